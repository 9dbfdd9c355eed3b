"""Demo data: public system vocabulary lists and, locally, the demo image catalogue and a demo account.

An operator step, not a request: it connects with the admin DSN and writes as ``describeit_owner``,
in one transaction. Idempotent: rows are found by their natural keys (list name, item text, image
hash, e-mail) and existing rows are left exactly as they are, so a second run changes nothing.

CLI: ``python -m describe_it.db.seed [--demo-user | --no-demo-user] [--demo-images | --no-demo-images]``
(both only when ``STAGE=local`` by default: the account's password is public, and the demo images are
the stand-in for Unsplash when the local stack has no key; AWS has no demo data). The demo images' bytes
go to the stack bucket (``EXPORT_BUCKET``), so search → pick → describe works with no network.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from describe_it.images_ids import image_id_for_hash, source_hash_for_url

if TYPE_CHECKING:
    from psycopg import Connection

    from describe_it.runtime.blobs import BlobStore

DEMO_EMAIL = "demo@describe-it.local"
DEMO_PASSWORD = "demo-password-2026"  # local demo only; never seeded in AWS unless asked for


@dataclass(frozen=True)
class Item:
    spanish: str
    english: str
    part_of_speech: str
    article: str | None
    gender: str | None
    context_es: str
    context_en: str


@dataclass(frozen=True)
class VocabularyList:
    name: str
    description: str
    category: str
    tags: tuple[str, ...]
    items: tuple[Item, ...]
    difficulty_level: int = 1


_GENDERS = {"m": "masculino", "f": "femenino"}


def _items(table: str) -> tuple[Item, ...]:
    """One item per line: ``spanish | part of speech | article gender (or -) | english | example es | en``."""
    items = []
    for line in table.strip().splitlines():
        spanish, pos, article_gender, english, context_es, context_en = (
            part.strip() for part in line.split("|")
        )
        article, gender = article_gender.split() if article_gender != "-" else (None, None)
        items.append(
            Item(spanish, english, pos, article, _GENDERS[gender] if gender else None, context_es, context_en)
        )
    return tuple(items)


SYSTEM_LISTS: tuple[VocabularyList, ...] = (
    VocabularyList(
        name="Saludos y cortesía",
        description="Greetings and polite expressions for everyday conversations.",
        category="basic",
        tags=("saludos", "conversación"),
        items=_items("""
hola | interjection | - | hello | ¡Hola! ¿Qué tal? | Hello! How's it going?
buenos días | phrase | - | good morning | Buenos días, señora. | Good morning, madam.
buenas tardes | phrase | - | good afternoon | Buenas tardes a todos. | Good afternoon, everyone.
buenas noches | phrase | - | good evening; good night | Buenas noches, hasta mañana. | Good night, see you tomorrow.
adiós | interjection | - | goodbye | Adiós, nos vemos pronto. | Goodbye, see you soon.
hasta luego | phrase | - | see you later | Me voy ya, ¡hasta luego! | I'm leaving now, see you later!
por favor | phrase | - | please | Un café, por favor. | A coffee, please.
gracias | interjection | - | thank you | Muchas gracias por la ayuda. | Thank you very much for the help.
de nada | phrase | - | you're welcome | —Gracias. —De nada. | —Thanks. —You're welcome.
perdón | interjection | - | sorry; excuse me | Perdón, ¿dónde está la estación? | Excuse me, where is the station?
¿cómo estás? | phrase | - | how are you? | Hola, Ana, ¿cómo estás? | Hi, Ana, how are you?
mucho gusto | phrase | - | nice to meet you | Me llamo Luis. Mucho gusto. | My name is Luis. Nice to meet you.
bienvenido | adjective | - | welcome | Bienvenido a nuestra casa. | Welcome to our home.
encantado | adjective | - | delighted (to meet you) | Encantado de conocerte. | Delighted to meet you.
¿qué tal? | phrase | - | how's it going? | ¿Qué tal el fin de semana? | How was the weekend?
"""),
    ),
    VocabularyList(
        name="La comida",
        description="Food and meals: what is on the table every day.",
        category="thematic",
        tags=("comida", "cocina"),
        items=_items("""
pan | noun | el m | bread | Compro pan todas las mañanas. | I buy bread every morning.
manzana | noun | la f | apple | La manzana es roja y dulce. | The apple is red and sweet.
queso | noun | el m | cheese | Me gusta el queso con pan. | I like cheese with bread.
leche | noun | la f | milk | El niño bebe leche caliente. | The boy drinks warm milk.
agua | noun | el f | water | ¿Me das un vaso de agua? | Can you give me a glass of water?
arroz | noun | el m | rice | El arroz con pollo es muy popular. | Rice with chicken is very popular.
pollo | noun | el m | chicken | Cenamos pollo asado. | We had roast chicken for dinner.
huevo | noun | el m | egg | Quiero un huevo frito. | I want a fried egg.
sopa | noun | la f | soup | La sopa está muy caliente. | The soup is very hot.
fruta | noun | la f | fruit | Como fruta después de comer. | I eat fruit after lunch.
verdura | noun | la f | vegetable | La verdura fresca es sana. | Fresh vegetables are healthy.
pescado | noun | el m | fish (as food) | Los viernes comemos pescado. | On Fridays we eat fish.
desayuno | noun | el m | breakfast | El desayuno está listo. | Breakfast is ready.
cena | noun | la f | dinner | La cena es a las nueve. | Dinner is at nine.
comer | verb | - | to eat | Vamos a comer juntos. | Let's eat together.
"""),
    ),
    VocabularyList(
        name="La casa",
        description="Rooms and things at home.",
        category="thematic",
        tags=("casa", "hogar"),
        items=_items("""
casa | noun | la f | house; home | Mi casa tiene un jardín pequeño. | My house has a small garden.
cocina | noun | la f | kitchen | Mi madre está en la cocina. | My mother is in the kitchen.
dormitorio | noun | el m | bedroom | El dormitorio tiene dos camas. | The bedroom has two beds.
baño | noun | el m | bathroom | El baño está al final del pasillo. | The bathroom is at the end of the hall.
ventana | noun | la f | window | Abre la ventana, por favor. | Open the window, please.
puerta | noun | la f | door | Alguien llama a la puerta. | Someone is knocking at the door.
mesa | noun | la f | table | Las llaves están en la mesa. | The keys are on the table.
silla | noun | la f | chair | Esta silla es muy cómoda. | This chair is very comfortable.
cama | noun | la f | bed | Me voy a la cama temprano. | I go to bed early.
sofá | noun | el m | sofa; couch | El gato duerme en el sofá. | The cat sleeps on the sofa.
lámpara | noun | la f | lamp | Enciende la lámpara, está oscuro. | Turn on the lamp, it's dark.
espejo | noun | el m | mirror | Hay un espejo en la pared. | There is a mirror on the wall.
jardín | noun | el m | garden | Los niños juegan en el jardín. | The children play in the garden.
escalera | noun | la f | stairs; ladder | Sube por la escalera. | Go up the stairs.
llave | noun | la f | key | No encuentro la llave de casa. | I can't find the house key.
"""),
    ),
    VocabularyList(
        name="La naturaleza",
        description="Landscapes, weather and living things outdoors.",
        category="thematic",
        tags=("naturaleza", "paisaje"),
        items=_items("""
árbol | noun | el m | tree | Hay un árbol enorme en el parque. | There is a huge tree in the park.
flor | noun | la f | flower | Esta flor huele muy bien. | This flower smells very nice.
montaña | noun | la f | mountain | La montaña tiene nieve en invierno. | The mountain has snow in winter.
río | noun | el m | river | El río pasa por el pueblo. | The river runs through the village.
lago | noun | el m | lake | Nadamos en el lago en verano. | We swim in the lake in summer.
mar | noun | el m | sea | Me encanta el sonido del mar. | I love the sound of the sea.
playa | noun | la f | beach | Pasamos el día en la playa. | We spent the day at the beach.
cielo | noun | el m | sky | El cielo está despejado hoy. | The sky is clear today.
nube | noun | la f | cloud | Esa nube parece un conejo. | That cloud looks like a rabbit.
sol | noun | el m | sun | El sol sale por el este. | The sun rises in the east.
lluvia | noun | la f | rain | La lluvia moja las calles. | The rain wets the streets.
bosque | noun | el m | forest | Caminamos por el bosque. | We walked through the forest.
hoja | noun | la f | leaf | Las hojas caen en otoño. | Leaves fall in autumn.
piedra | noun | la f | stone; rock | El niño tira una piedra al agua. | The boy throws a stone into the water.
pájaro | noun | el m | bird | Un pájaro canta en la ventana. | A bird is singing at the window.
"""),
    ),
)

DEMO_LIST = VocabularyList(
    name="Mis palabras favoritas",
    description="A few words the demo learner saved.",
    category="custom",
    tags=("demo",),
    items=_items("""
mariposa | noun | la f | butterfly | Una mariposa azul vuela sobre las flores. | A blue butterfly flies over the flowers.
amanecer | noun | el m | sunrise; dawn | Vimos el amanecer desde la playa. | We watched the sunrise from the beach.
sobremesa | noun | la f | after-meal chat at the table | La sobremesa duró dos horas. | The chat after lunch lasted two hours.
madrugada | noun | la f | the small hours | Llegamos de madrugada. | We arrived in the small hours.
estrella | noun | la f | star | Esta noche se ven muchas estrellas. | You can see many stars tonight.
"""),
)


@dataclass(frozen=True)
class DemoRow:
    """A demo image as its catalogue row, with its normalised JPEG (already in the bucket)."""

    id: UUID
    source_hash: bytes
    url: str
    alt_description: str
    description: str
    width: int
    height: int
    color: str
    photographer_name: str
    stored_sha256: bytes
    stored_width: int
    stored_height: int


def store_demo_images(store: BlobStore | None = None) -> list[DemoRow]:
    """Put the normalised demo images into the stack bucket (``images/<sha256>.jpg``) and describe their
    rows. The objects first: a row must never name bytes that are not there. Run on every seed, because
    the local S3 is in memory and forgets them when the stack stops, while the database remembers."""
    from describe_it.images.catalogue import kept_key
    from describe_it.images.demo import identity_url, load_demo_images
    from describe_it.images.normalize import SourceImage, normalize_for_model
    from describe_it.runtime.blobs import BlobStore

    bucket = store or BlobStore()
    rows = []
    for image in load_demo_images():
        normalized = normalize_for_model(SourceImage(image.data, "image/jpeg"))
        bucket.put(kept_key(normalized.sha256), normalized.data)
        url = identity_url(image)
        source_hash = source_hash_for_url(url)
        rows.append(
            DemoRow(
                id=image_id_for_hash(source_hash),
                source_hash=source_hash,
                url=url,
                alt_description=image.alt_en,
                description=image.description_en,
                width=image.width,
                height=image.height,
                color=image.color,
                photographer_name=image.photographer,
                stored_sha256=bytes.fromhex(normalized.sha256),
                stored_width=normalized.width,
                stored_height=normalized.height,
            )
        )
    return rows


def _ensure_images(conn: Connection[Any], rows: list[DemoRow]) -> list[UUID]:
    # Provider data: the seed may correct what it stored itself (a re-encoded JPEG after a Pillow upgrade).
    conn.execute("SELECT set_config('app.image_source', 'provider', true)")
    with conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO images AS i (id, source_hash, source_type, url, alt_description, description, width,
                                     height, color, photographer_name, stored_sha256, stored_width,
                                     stored_height)
            VALUES (%s, %s, 'url', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (source_hash) DO UPDATE
               SET stored_sha256 = EXCLUDED.stored_sha256, stored_width = EXCLUDED.stored_width,
                   stored_height = EXCLUDED.stored_height
             WHERE i.stored_sha256 IS DISTINCT FROM EXCLUDED.stored_sha256
            """,
            [(r.id, r.source_hash, r.url, r.alt_description, r.description, r.width, r.height, r.color,
              r.photographer_name, r.stored_sha256, r.stored_width, r.stored_height) for r in rows],
        )  # fmt: skip
    return [r.id for r in rows]


def _ensure_list(conn: Connection[Any], owner_id: UUID | None, vocabulary: VocabularyList) -> UUID:
    conn.execute(
        """
        INSERT INTO vocabulary_lists (owner_id, name, description, category, difficulty_level, tags,
                                      is_public)
        VALUES (%s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT DO NOTHING
        """,
        [owner_id, vocabulary.name, vocabulary.description, vocabulary.category, vocabulary.difficulty_level,
         list(vocabulary.tags), owner_id is None],
    )  # fmt: skip
    row = conn.execute(
        "SELECT id FROM vocabulary_lists WHERE owner_id IS NOT DISTINCT FROM %s AND lower(name) = lower(%s)",
        [owner_id, vocabulary.name],
    ).fetchone()
    assert row is not None
    list_id: UUID = row[0]
    with conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO vocabulary_items (vocabulary_list_id, spanish_text, english_translation,
                                          part_of_speech, article, gender, context_sentence_spanish,
                                          context_sentence_english, category)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT DO NOTHING
            """,
            [(list_id, i.spanish, i.english, i.part_of_speech, i.article, i.gender, i.context_es,
              i.context_en, vocabulary.tags[0]) for i in vocabulary.items],
        )  # fmt: skip
    return list_id


def _ensure_demo_user(conn: Connection[Any]) -> UUID:
    row = conn.execute("SELECT id FROM users WHERE email = %s", [DEMO_EMAIL]).fetchone()
    if row is None:
        from describe_it.auth.passwords import hash_password

        row = conn.execute(
            """
            INSERT INTO users (email, username, full_name, password_hash, email_verified_at, tier)
            VALUES (%s, 'demo', 'Demo Learner', %s, now(), 'pro')
            RETURNING id
            """,
            [DEMO_EMAIL, hash_password(DEMO_PASSWORD)],
        ).fetchone()
    assert row is not None
    user_id: UUID = row[0]
    return user_id


def _count(conn: Connection[Any], query: str, params: list[Any]) -> int:
    row = conn.execute(query, params).fetchone()
    return int(row[0]) if row else 0


def seed(
    admin_dsn: str, *, demo_user: bool = True, demo_images: bool = True, store: BlobStore | None = None
) -> dict[str, int]:
    """Insert whatever demo data is missing; returns how many seeded rows exist (same on every run)."""
    import psycopg

    names = [v.name for v in SYSTEM_LISTS]
    demo_rows = store_demo_images(store) if demo_images else []
    connect = psycopg.connect(admin_dsn, connect_timeout=10, application_name="describeit-seed")
    with connect as conn, conn.transaction():
        # Owner, as the migrations: exempt from RLS, and the seed is an operator step, not a request.
        conn.execute("SET LOCAL ROLE describeit_owner")
        image_ids = _ensure_images(conn, demo_rows)
        for vocabulary in SYSTEM_LISTS:
            _ensure_list(conn, None, vocabulary)
        if demo_user:
            _ensure_list(conn, _ensure_demo_user(conn), DEMO_LIST)
        counts = {
            "images": _count(conn, "SELECT count(*) FROM images WHERE id = ANY(%s)", [image_ids]),
            "system_lists": _count(
                conn,
                "SELECT count(*) FROM vocabulary_lists WHERE owner_id IS NULL AND name = ANY(%s)",
                [names],
            ),
            "system_items": _count(
                conn,
                "SELECT count(*) FROM vocabulary_items i"
                " JOIN vocabulary_lists l ON l.id = i.vocabulary_list_id"
                " WHERE l.owner_id IS NULL AND l.name = ANY(%s)",
                [names],
            ),
            "demo_users": _count(conn, "SELECT count(*) FROM users WHERE email = %s", [DEMO_EMAIL]),
            "demo_items": _count(
                conn,
                "SELECT count(*) FROM vocabulary_items i"
                " JOIN vocabulary_lists l ON l.id = i.vocabulary_list_id"
                " JOIN users u ON u.id = l.owner_id WHERE u.email = %s",
                [DEMO_EMAIL],
            ),
        }
    return counts


def main(argv: list[str] | None = None) -> int:
    import psycopg

    from describe_it.db.migrate import MigrationError, admin_dsn_from_settings
    from describe_it.errors import DependencyDown
    from describe_it.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m describe_it.db.seed", description="Load the demo data.")
    parser.add_argument(
        "--demo-user",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"create {DEMO_EMAIL} (default: only when STAGE=local)",
    )
    parser.add_argument(
        "--demo-images",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="load the demo image catalogue and its bytes (default: only when STAGE=local)",
    )
    args = parser.parse_args(argv)
    local = get_settings().stage == "local"
    demo_user = args.demo_user if args.demo_user is not None else local
    demo_images = args.demo_images if args.demo_images is not None else local
    try:
        counts = seed(admin_dsn_from_settings(), demo_user=demo_user, demo_images=demo_images)
    except (MigrationError, DependencyDown, psycopg.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for name, value in counts.items():
        print(f"{name:<14} {value}")
    if demo_user:
        print(f"demo account: {DEMO_EMAIL} / {DEMO_PASSWORD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
