"""Image normalisation (spec §5.1, §9.2) on images made here with Pillow."""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import zlib

import pytest
from PIL import Image

from describe_it.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from describe_it.images.formats import MAX_IMAGE_BYTES
from describe_it.images.normalize import (
    MAX_OUTPUT_DATA_URI,
    NormalizedImage,
    SourceImage,
    is_data_uri,
    normalize_for_model,
    normalize_for_proxy,
    parse_data_uri,
)
from tests.support.images import encode, noise, solid

TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"]


def decoded(result: NormalizedImage) -> Image.Image:
    image = Image.open(io.BytesIO(result.data))
    image.load()
    return image


def close(pixel: tuple[int, ...], expected: tuple[int, int, int], tolerance: int = 24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], expected, strict=True))


def png_declaring(width: int, height: int) -> bytes:
    """A valid little PNG whose header declares ``width`` × ``height`` (its pixels are never there)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


# --- the model variant ------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", TYPES)
def test_each_format_becomes_an_rgb_jpeg_for_the_model(content_type: str) -> None:
    data = solid(content_type, (120, 80), "green")

    result = normalize_for_model(SourceImage(data, content_type))  # type: ignore[arg-type]

    image = decoded(result)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (120, 80))
    assert close(image.getpixel((60, 40)), (0, 128, 0))  # type: ignore[arg-type]
    assert result.content_type == "image/jpeg"
    assert (result.width, result.height) == (120, 80)
    assert (result.original_width, result.original_height, result.original_size) == (120, 80, len(data))
    assert result.resized is False
    assert result.quality == 85
    assert result.sha256 == hashlib.sha256(result.data).hexdigest()
    assert result.size == len(result.data)


def test_a_large_photo_is_downscaled_to_1568_on_the_long_edge() -> None:
    data = encode(noise((400, 300)).resize((4000, 3000)), "image/jpeg", quality=60)

    result = normalize_for_model(SourceImage(data, "image/jpeg"))

    assert (result.width, result.height) == (1568, 1176)
    assert decoded(result).size == (1568, 1176)
    assert (result.original_width, result.original_height) == (4000, 3000)
    assert result.resized is True


def test_an_animated_gif_is_reduced_to_its_first_frame() -> None:
    frames = [Image.new("RGB", (40, 40), color) for color in ("red", "lime", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    source = Image.open(io.BytesIO(out.getvalue()))
    assert source.n_frames == 3  # type: ignore[attr-defined]

    result = normalize_for_model(SourceImage(out.getvalue(), "image/gif"))

    image = decoded(result)
    assert getattr(image, "n_frames", 1) == 1
    assert close(image.getpixel((20, 20)), (255, 0, 0))  # type: ignore[arg-type]


def test_transparency_is_flattened_on_white_for_jpeg() -> None:
    image = Image.new("RGBA", (60, 60), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (20, 20, 40, 40))
    data = encode(image, "image/png")

    result = decoded(normalize_for_model(SourceImage(data, "image/png")))

    assert close(result.getpixel((5, 5)), (255, 255, 255))  # type: ignore[arg-type]
    assert close(result.getpixel((30, 30)), (0, 0, 255))  # type: ignore[arg-type]


def test_the_exif_orientation_is_applied() -> None:
    # Stored 60×40, left half red, right half blue, with "rotate 90° clockwise to display" (6).
    image = Image.new("RGB", (60, 40), "red")
    image.paste((0, 0, 255), (30, 0, 60, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(image, "image/jpeg", exif=exif.tobytes(), quality=95)

    result = normalize_for_model(SourceImage(data, "image/jpeg"))

    shown = decoded(result)
    assert shown.size == (40, 60)
    assert (result.original_width, result.original_height) == (40, 60)
    assert close(shown.getpixel((20, 10)), (255, 0, 0))  # type: ignore[arg-type]
    assert close(shown.getpixel((20, 50)), (0, 0, 255))  # type: ignore[arg-type]
    assert shown.getexif().get(0x0112) is None  # metadata does not survive re-encoding


def test_metadata_is_stripped() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # any tag; GPS would be the one that matters
    data = encode(Image.new("RGB", (30, 30), "red"), "image/jpeg", exif=exif.tobytes())

    result = normalize_for_model(SourceImage(data, "image/jpeg"))

    assert dict(decoded(result).getexif()) == {}


def gif_with_transparency() -> tuple[Image.Image, str]:
    image = Image.new("P", (30, 20), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.paste(1, (15, 0, 30, 20))
    image.info["transparency"] = 0
    return image, "image/gif"


@pytest.mark.parametrize(
    ("image", "content_type", "expected"),
    [
        (Image.new("L", (30, 20), 100), "image/png", (100, 100, 100)),
        (Image.new("LA", (30, 20), (0, 0)), "image/png", (255, 255, 255)),
        (Image.new("I;16", (30, 20), 30000), "image/png", (117, 117, 117)),
        (Image.new("1", (30, 20), 1), "image/png", (255, 255, 255)),
        (Image.new("CMYK", (30, 20), (0, 255, 255, 0)), "image/jpeg", (255, 0, 0)),
        (*gif_with_transparency(), (255, 255, 255)),
        (Image.new("RGBA", (30, 20), (0, 0, 255, 255)), "image/webp", (0, 0, 255)),
    ],
    ids=["grey", "grey-alpha", "grey-16-bit", "bilevel", "cmyk", "palette-transparent", "webp-alpha"],
)
def test_every_colour_mode_ends_up_rgb(
    image: Image.Image, content_type: str, expected: tuple[int, int, int]
) -> None:
    result = normalize_for_model(SourceImage(encode(image, content_type), content_type))  # type: ignore[arg-type]

    out = decoded(result)
    assert out.mode == "RGB"
    assert close(out.getpixel((5, 10)), expected, tolerance=6)  # type: ignore[arg-type]


# --- refusals ---------------------------------------------------------------------------------------


# Above 80 MP Pillow itself refuses (DecompressionBombError); from 40 to 80 MP it only warns and the
# refusal is ours.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(("width", "height"), [(100_000, 100_000), (10_000, 5_000), (40_001, 1_000)])
def test_a_decompression_bomb_is_refused_from_its_header(width: int, height: int) -> None:
    bomb = png_declaring(width, height)
    assert len(bomb) < 200

    with pytest.raises(PayloadTooLarge) as caught:
        normalize_for_model(SourceImage(bomb, "image/png"))

    assert caught.value.message == "The image is larger than 40 megapixels"


def test_exactly_40_megapixels_is_decoded() -> None:
    data = encode(Image.new("RGB", (8000, 5000), "olive"), "image/jpeg")

    result = normalize_for_model(SourceImage(data, "image/jpeg"))

    assert (result.width, result.height) == (1568, 980)


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/png", "image/webp", "image/gif"])
def test_a_truncated_file_is_a_415(content_type: str) -> None:
    data = encode(noise((200, 200)), content_type)

    with pytest.raises(UnsupportedMediaType) as caught:
        normalize_for_model(SourceImage(data[: len(data) // 2], content_type))  # type: ignore[arg-type]

    assert caught.value.message == "The image could not be decoded (damaged or truncated file)"


@pytest.mark.parametrize(
    ("data", "declared", "message"),
    [
        (solid("image/png"), "image/jpeg", "The image's content does not match its declared type"),
        (solid("image/jpeg"), "image/webp", "The image's content does not match its declared type"),
        (solid("image/gif"), "image/png", "The image's content does not match its declared type"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "image/png", "The file is not an image"),
        (b"%PDF-1.7", "image/jpeg", "The file is not an image"),
        (b"", "image/jpeg", "The file is not an image"),
    ],
)
def test_magic_bytes_must_match_the_declared_type(data: bytes, declared: str, message: str) -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        normalize_for_model(SourceImage(data, declared))  # type: ignore[arg-type]
    assert caught.value.message == message


def test_more_than_5_mb_of_input_is_refused() -> None:
    data = b"\xff\xd8\xff" + b"\0" * MAX_IMAGE_BYTES
    with pytest.raises(PayloadTooLarge):
        normalize_for_model(SourceImage(data, "image/jpeg"))


# --- the proxy variant ------------------------------------------------------------------------------


def test_proxy_defaults_to_jpeg_q85_within_1568() -> None:
    data = encode(noise((200, 100)).resize((3000, 1500)), "image/jpeg")

    result = normalize_for_proxy(SourceImage(data, "image/jpeg"))

    assert (result.content_type, result.quality, result.width, result.height) == ("image/jpeg", 85, 1568, 784)
    assert result.data_uri().startswith("data:image/jpeg;base64,")
    assert base64.b64decode(result.data_uri().split(",", 1)[1]) == result.data


def test_proxy_keeps_transparency_as_png_by_default() -> None:
    image = Image.new("RGBA", (80, 80), (255, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 40, 80))

    result = normalize_for_proxy(SourceImage(encode(image, "image/png"), "image/png"))

    out = decoded(result)
    assert (result.content_type, result.quality, out.mode) == ("image/png", None, "RGBA")
    assert out.getpixel((60, 40))[3] == 0  # type: ignore[index]
    assert out.getpixel((10, 40)) == (255, 0, 0, 255)


def test_proxy_png_of_an_opaque_image_is_rgb() -> None:
    result = normalize_for_proxy(SourceImage(solid("image/jpeg"), "image/jpeg"), output_format="png")
    assert (result.content_type, decoded(result).mode) == ("image/png", "RGB")


def test_an_opaque_image_with_an_alpha_channel_defaults_to_jpeg() -> None:
    data = solid("image/png", (50, 50), (10, 200, 10, 255))
    assert normalize_for_proxy(SourceImage(data, "image/png")).content_type == "image/jpeg"


def test_proxy_webp_with_a_box_and_quality() -> None:
    data = encode(noise((100, 100)).resize((1000, 500)), "image/png")

    result = normalize_for_proxy(
        SourceImage(data, "image/png"), max_width=400, max_height=400, quality=60, output_format="webp"
    )

    assert (result.content_type, result.quality) == ("image/webp", 60)
    assert (result.width, result.height) == decoded(result).size == (400, 200)
    assert decoded(result).format == "WEBP"
    assert (result.original_width, result.original_height, result.resized) == (1000, 500, True)


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ({"max_width": 500}, (500, 1000)),
        ({"max_height": 500}, (250, 500)),
        ({"max_width": 2000, "max_height": 2000}, (1000, 2000)),
        ({"max_width": 50, "max_height": 2000}, (50, 100)),
    ],
)
def test_proxy_box_keeps_the_aspect_ratio(box: dict[str, int], expected: tuple[int, int]) -> None:
    data = encode(Image.new("RGB", (1000, 2000), "teal"), "image/jpeg")
    result = normalize_for_proxy(SourceImage(data, "image/jpeg"), **box)  # type: ignore[arg-type]
    assert (result.width, result.height) == expected


def test_proxy_never_enlarges() -> None:
    result = normalize_for_proxy(SourceImage(solid(size=(64, 48)), "image/jpeg"), max_width=2000)
    assert (result.width, result.height, result.resized) == (64, 48, False)


@pytest.mark.parametrize(
    ("options", "field", "code"),
    [
        ({"max_width": 49}, "maxWidth", "too_small"),
        ({"max_height": 2001}, "maxHeight", "too_large"),
        ({"quality": 0}, "quality", "too_small"),
        ({"quality": 101}, "quality", "too_large"),
    ],
)
def test_proxy_bounds(options: dict[str, int], field: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalize_for_proxy(SourceImage(solid(), "image/jpeg"), **options)  # type: ignore[arg-type]
    assert [(d.field, d.code) for d in caught.value.details] == [(field, code)]


def test_proxy_lowers_quality_step_by_step_to_stay_under_4_mb() -> None:
    data = encode(noise((2000, 2000)), "image/jpeg", quality=30)
    assert len(data) <= MAX_IMAGE_BYTES

    result = normalize_for_proxy(
        SourceImage(data, "image/jpeg"), max_width=2000, max_height=2000, quality=100
    )

    assert result.quality is not None and result.quality < 100
    assert len(result.data_uri()) <= MAX_OUTPUT_DATA_URI
    assert (result.width, result.height) == (2000, 2000)


def test_proxy_output_that_cannot_fit_4_mb_is_a_413() -> None:
    data = encode(noise((1300, 1300)), "image/jpeg", quality=30)  # a 5 MB PNG once decoded

    with pytest.raises(PayloadTooLarge) as caught:
        normalize_for_proxy(
            SourceImage(data, "image/jpeg"), max_width=2000, max_height=2000, output_format="png"
        )

    assert caught.value.message == "The image is too large to return, even at the lowest quality"


# --- data URIs --------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", TYPES)
def test_data_uri_of_each_type(content_type: str) -> None:
    data = solid(content_type)
    uri = f"data:{content_type};base64,{base64.b64encode(data).decode()}"

    source = parse_data_uri(uri)

    assert source == SourceImage(data, content_type)  # type: ignore[arg-type]
    assert is_data_uri(uri) and is_data_uri("DATA:image/png;base64,")
    assert normalize_for_model(source).content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=", "Only JPEG, PNG, WebP and GIF images are supported"),
        ("data:text/html;base64,PGgxPg==", "The data URI must look like data:image/<type>;base64,<data>"),
        ("data:image/png,rawbytes", "The data URI must look like data:image/<type>;base64,<data>"),
        (
            "data:image/png;charset=utf-8;base64,AAAA",
            "The data URI must look like data:image/<type>;base64,<data>",
        ),
        ("data:image/png;base64,not base64!", "The data URI is not valid base64"),
        ("data:image/png;base64,iVBORw0KGgo\n", "The data URI is not valid base64"),
        ("data:image/png;base64,iVBORw0KGgo", "The data URI is not valid base64"),  # bad padding
        ("data:image/png;base64,", "The data URI holds no image"),
    ],
)
def test_bad_data_uris(uri: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_data_uri(uri)
    assert caught.value.message == message
    assert caught.value.details[0].field == "imageUrl"


def test_a_data_uri_above_5_mb_is_refused_before_decoding() -> None:
    payload = "A" * (4 * (MAX_IMAGE_BYTES // 3 + 1) + 4)
    with pytest.raises(PayloadTooLarge):
        parse_data_uri("data:image/jpeg;base64," + payload)


def test_a_data_uri_of_exactly_5_mb_is_accepted() -> None:
    data = b"\xff\xd8\xff" + b"\0" * (MAX_IMAGE_BYTES - 3)
    source = parse_data_uri("data:image/jpeg;base64," + base64.b64encode(data).decode())
    assert len(source.data) == MAX_IMAGE_BYTES


def test_a_data_uri_with_the_wrong_magic_is_refused_when_normalised() -> None:
    uri = "data:image/png;base64," + base64.b64encode(solid("image/jpeg")).decode()
    with pytest.raises(UnsupportedMediaType):
        normalize_for_model(parse_data_uri(uri))
