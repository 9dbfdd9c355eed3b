-- Migration 0001: the complete Describe It schema (spec: schema.md §1–§7, all blocks after the operator
-- bootstrap in roles.sql). Applied by describe_it/db/migrate.py in ONE transaction as describeit_owner
-- (SET ROLE), so every object is owned by it; hence no CREATE INDEX CONCURRENTLY here. Targets PostgreSQL 15–18.
-- Never edit this file once applied anywhere: the runner refuses a changed checksum. Add 0002_… instead.

-- ====================================================================================================
-- 1. Extensions, request context (the roles are in roles.sql)
-- ====================================================================================================

CREATE EXTENSION IF NOT EXISTS citext;    -- case-insensitive email/username (trusted extensions: no superuser needed)
CREATE EXTENSION IF NOT EXISTS unaccent;  -- accent-insensitive search
CREATE EXTENSION IF NOT EXISTS pg_trgm;   -- fuzzy matching
CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE
  RETURN nullif(current_setting('app.user_id', true), '')::uuid;
-- unaccent() is only STABLE; index expressions need an IMMUTABLE wrapper with a fixed dictionary
CREATE FUNCTION immutable_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN public.unaccent('public.unaccent'::regdictionary, $1);
-- full-text configurations: the built-in spanish/english stemmers with unaccent in front
CREATE TEXT SEARCH CONFIGURATION spanish_unaccent (COPY = pg_catalog.spanish);
ALTER TEXT SEARCH CONFIGURATION spanish_unaccent
  ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, pg_catalog.spanish_stem;
CREATE TEXT SEARCH CONFIGURATION english_unaccent (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION english_unaccent
  ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, pg_catalog.english_stem;
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END $$;

-- ====================================================================================================
-- 2. Enums
-- ====================================================================================================

CREATE TYPE spanish_level        AS ENUM ('beginner', 'intermediate', 'advanced');
CREATE TYPE difficulty_level     AS ENUM ('beginner', 'intermediate', 'advanced');
CREATE TYPE session_type         AS ENUM ('description', 'qa', 'vocabulary', 'review', 'mixed');      -- + review
CREATE TYPE description_style    AS ENUM ('narrativo', 'poetico', 'academico', 'conversacional', 'infantil',
                                          'creativo', 'tecnico');
CREATE TYPE part_of_speech       AS ENUM ('noun', 'verb', 'adjective', 'adverb', 'preposition', 'article', 'pronoun',
                                          'conjunction', 'interjection', 'phrase', 'other');             -- + phrase
CREATE TYPE learning_phase       AS ENUM ('new', 'learning', 'review', 'mastered');
CREATE TYPE qa_difficulty        AS ENUM ('facil', 'medio', 'dificil');                  -- A1–A2, B1–B2, C1–C2
CREATE TYPE vocabulary_category  AS ENUM ('basic', 'intermediate', 'advanced', 'custom', 'thematic');
CREATE TYPE spanish_gender       AS ENUM ('masculino', 'femenino', 'neutro');
CREATE TYPE language_preference  AS ENUM ('en', 'es');
CREATE TYPE export_format        AS ENUM ('json', 'csv', 'pdf', 'anki', 'quizlet');                   -- + anki, quizlet
-- new
CREATE TYPE user_tier            AS ENUM ('free', 'basic', 'pro');                       -- 'guest' is never stored
CREATE TYPE user_role            AS ENUM ('user', 'admin');
CREATE TYPE user_status          AS ENUM ('active', 'suspended');
CREATE TYPE fsrs_state           AS ENUM ('learning', 'review', 'relearning');           -- py-fsrs State 1..3
CREATE TYPE session_status       AS ENUM ('active', 'completed', 'abandoned');
CREATE TYPE export_status        AS ENUM ('pending', 'processing', 'completed', 'failed', 'expired');
CREATE TYPE export_content       AS ENUM ('vocabulary', 'descriptions', 'qa', 'progress', 'all');
CREATE TYPE action_token_purpose AS ENUM ('verify_email', 'reset_password');
CREATE TYPE api_key_provider     AS ENUM ('anthropic', 'unsplash');
CREATE TYPE outbox_status        AS ENUM ('pending', 'sent', 'failed');
CREATE TYPE learning_event_type  AS ENUM ('vocabulary_learned', 'vocabulary_reviewed', 'vocabulary_mastered',
  'qa_answered', 'qa_correct', 'qa_incorrect', 'phrase_learned', 'phrase_reviewed', 'phrase_mastered',
  'translation_completed', 'description_generated', 'session_started', 'session_completed', 'image_processed',
  'export_generated', 'difficulty_adjusted', 'goal_achieved');

-- ====================================================================================================
-- 3. Identity and authentication
-- ====================================================================================================

CREATE TABLE users (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email              citext NOT NULL UNIQUE CHECK (char_length(email) <= 254 AND email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  username           citext UNIQUE CHECK (username ~ '^[A-Za-z0-9_]{3,30}$'),
  full_name          text CHECK (char_length(full_name) BETWEEN 1 AND 100),
  avatar_url         text CHECK (avatar_url ~ '^https://' AND char_length(avatar_url) <= 2048),
  password_hash      text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
  email_verified_at  timestamptz,
  tier user_tier NOT NULL DEFAULT 'free', role user_role NOT NULL DEFAULT 'user', status user_status NOT NULL DEFAULT 'active',
  time_zone          text NOT NULL DEFAULT 'UTC',
  spanish_level spanish_level NOT NULL DEFAULT 'beginner', ui_language language_preference NOT NULL DEFAULT 'en',
  failed_login_count integer NOT NULL DEFAULT 0 CHECK (failed_login_count >= 0),
  last_failed_login_at timestamptz, locked_until timestamptz, password_changed_at timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz, last_active_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_created_at_idx ON users (created_at); CREATE INDEX users_tier_idx ON users (tier);
CREATE FUNCTION users_check_time_zone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF NOT EXISTS (SELECT FROM pg_timezone_names WHERE name = NEW.time_zone) THEN
  RAISE EXCEPTION 'invalid time zone: %', NEW.time_zone USING ERRCODE = '22023'; END IF; RETURN NEW; END $$;
CREATE TRIGGER users_check_time_zone BEFORE INSERT OR UPDATE OF time_zone ON users
  FOR EACH ROW EXECUTE FUNCTION users_check_time_zone();

CREATE TABLE auth_refresh_tokens (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id         uuid NOT NULL,
  parent_id         uuid REFERENCES auth_refresh_tokens (id) ON DELETE SET NULL,
  token_hash        bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  issued_at timestamptz NOT NULL DEFAULT now(), expires_at timestamptz NOT NULL, family_expires_at timestamptz NOT NULL,
  rotated_at timestamptz, revoked_at timestamptz,
  revoked_reason    text CHECK (revoked_reason IN ('signout', 'reuse_detected', 'password_changed', 'password_reset',
                                                   'admin', 'account_suspended')),
  user_agent        text CHECK (char_length(user_agent) <= 512), created_ip inet,
  CHECK (expires_at > issued_at AND family_expires_at >= expires_at),
  CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX auth_refresh_tokens_user_idx ON auth_refresh_tokens (user_id);
CREATE INDEX auth_refresh_tokens_family_idx ON auth_refresh_tokens (family_id);
CREATE INDEX auth_refresh_tokens_parent_idx ON auth_refresh_tokens (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX auth_refresh_tokens_expires_idx ON auth_refresh_tokens (expires_at);

CREATE TABLE auth_action_tokens (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose     action_token_purpose NOT NULL,
  email       citext NOT NULL,                                  -- the address the link was sent to
  token_hash  bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  created_at  timestamptz NOT NULL DEFAULT now(), expires_at timestamptz NOT NULL CHECK (expires_at > created_at),
  used_at timestamptz, revoked_at timestamptz
);
CREATE UNIQUE INDEX auth_action_tokens_live_uq ON auth_action_tokens (user_id, purpose)
  WHERE used_at IS NULL AND revoked_at IS NULL;
CREATE INDEX auth_action_tokens_expires_idx ON auth_action_tokens (expires_at);

CREATE TABLE email_outbox (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  to_address      citext NOT NULL,
  template        text NOT NULL CHECK (template IN ('verify_email', 'reset_password', 'password_changed',
                                                    'account_exists', 'account_locked')),
  locale          language_preference NOT NULL DEFAULT 'en',
  payload         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
  status outbox_status NOT NULL DEFAULT 'pending', attempts smallint NOT NULL DEFAULT 0 CHECK (attempts BETWEEN 0 AND 10),
  next_attempt_at timestamptz NOT NULL DEFAULT now(), last_error text CHECK (char_length(last_error) <= 1000),
  provider_message_id text, created_at timestamptz NOT NULL DEFAULT now(), sent_at timestamptz,
  CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX email_outbox_user_idx ON email_outbox (user_id);

CREATE TABLE user_api_keys (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider     api_key_provider NOT NULL,
  ciphertext   bytea NOT NULL CHECK (octet_length(ciphertext) BETWEEN 16 AND 8192),
  key_id text NOT NULL CHECK (char_length(key_id) <= 2048), last4 text NOT NULL CHECK (char_length(last4) = 4),
  status       text NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown', 'valid', 'invalid')),
  last_validated_at timestamptz, last_used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, provider)
);

CREATE TABLE user_settings (
  user_id         uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  settings        jsonb NOT NULL DEFAULT '{}'
                  CHECK (jsonb_typeof(settings) = 'object' AND octet_length(settings::text) <= 32768),
  fsrs_parameters double precision[] CHECK (cardinality(fsrs_parameters) = 21),
  version         integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION user_settings_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF (NEW.settings, NEW.fsrs_parameters) IS DISTINCT FROM (OLD.settings, OLD.fsrs_parameters) THEN
  NEW.version := OLD.version + 1; END IF; RETURN NEW; END $$;
CREATE TRIGGER user_settings_bump_version BEFORE UPDATE ON user_settings
  FOR EACH ROW EXECUTE FUNCTION user_settings_bump_version();
CREATE FUNCTION users_create_settings() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN INSERT INTO user_settings (user_id) VALUES (NEW.id); RETURN NULL; END $$;
CREATE TRIGGER users_create_settings AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION users_create_settings();

-- ====================================================================================================
-- 4. Images, sessions, saved descriptions
-- ====================================================================================================

CREATE TABLE images (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  source_hash  bytea NOT NULL UNIQUE CHECK (octet_length(source_hash) = 32),
  source_type  text NOT NULL CHECK (source_type IN ('url', 'upload')),
  url          text CHECK (url ~ '^https://' AND char_length(url) <= 2048),
  unsplash_id text UNIQUE CHECK (char_length(unsplash_id) <= 64), thumbnail_url text CHECK (thumbnail_url ~ '^https://'),
  description text CHECK (char_length(description) <= 2000), alt_description text CHECK (char_length(alt_description) <= 2000),
  width integer CHECK (width > 0), height integer CHECK (height > 0), color text CHECK (color ~ '^#[0-9A-Fa-f]{6}$'),
  photographer_name text CHECK (char_length(photographer_name) <= 200),
  photographer_username text CHECK (char_length(photographer_username) <= 100),
  photographer_url text CHECK (photographer_url ~ '^https://'),
  usage_count integer NOT NULL DEFAULT 0 CHECK (usage_count >= 0), last_used_at timestamptz,
  is_suitable_for_learning boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((source_type = 'url') = (url IS NOT NULL))
);
CREATE INDEX images_last_used_idx ON images (last_used_at);                          -- orphan clean-up

CREATE TABLE sessions (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session_type session_type NOT NULL, status session_status NOT NULL DEFAULT 'active',
  started_at timestamptz NOT NULL DEFAULT now(), ended_at timestamptz, last_activity_at timestamptz NOT NULL DEFAULT now(),
  duration_seconds integer GENERATED ALWAYS AS (floor(extract(epoch FROM (ended_at - started_at)))::integer) STORED,
  -- counters (all >= 0): maintained by the routes that receive sessionId
  images_processed integer NOT NULL DEFAULT 0, descriptions_generated integer NOT NULL DEFAULT 0,
  qa_attempts integer NOT NULL DEFAULT 0, qa_correct integer NOT NULL DEFAULT 0,
  reviews_count integer NOT NULL DEFAULT 0, reviews_correct integer NOT NULL DEFAULT 0,
  vocabulary_learned integer NOT NULL DEFAULT 0, phrases_saved integer NOT NULL DEFAULT 0,
  device_type      text CHECK (device_type IN ('desktop', 'mobile', 'tablet', 'unknown')),
  user_agent       text CHECK (char_length(user_agent) <= 512),
  session_data     jsonb NOT NULL DEFAULT '{}' CHECK (octet_length(session_data::text) <= 8192),
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (least(images_processed, descriptions_generated, qa_attempts, qa_correct, reviews_count, reviews_correct,
               vocabulary_learned, phrases_saved) >= 0),
  CHECK (qa_correct <= qa_attempts AND reviews_correct <= reviews_count),
  CHECK (ended_at IS NULL OR ended_at >= started_at),
  CHECK ((status = 'active') = (ended_at IS NULL))
);
CREATE INDEX sessions_user_started_idx ON sessions (user_id, started_at DESC);
CREATE INDEX sessions_user_type_started_idx ON sessions (user_id, session_type, started_at DESC);
CREATE INDEX sessions_active_idx ON sessions (last_activity_at) WHERE status = 'active';
CREATE INDEX sessions_ended_idx ON sessions (ended_at) WHERE ended_at IS NOT NULL;

CREATE TABLE sessions_archive (LIKE sessions INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE sessions_archive ADD PRIMARY KEY (id),
  ADD FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  ADD COLUMN archived_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX sessions_archive_user_started_idx ON sessions_archive (user_id, started_at DESC);

CREATE TABLE saved_descriptions (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session_id          uuid REFERENCES sessions (id) ON DELETE SET NULL,
  image_id            uuid NOT NULL REFERENCES images (id) ON DELETE RESTRICT,
  generation_id       uuid,
  style               description_style NOT NULL,
  english_description text NOT NULL CHECK (char_length(english_description) BETWEEN 1 AND 20000),
  spanish_description text NOT NULL CHECK (char_length(spanish_description) BETWEEN 1 AND 20000),
  word_count_english integer NOT NULL CHECK (word_count_english >= 0),
  word_count_spanish integer NOT NULL CHECK (word_count_spanish >= 0),
  provider text CHECK (char_length(provider) <= 50), model_version text CHECK (char_length(model_version) <= 100),
  generation_params   jsonb NOT NULL DEFAULT '{}',          -- {maxLength, customPrompt, promptVersion}
  generation_time_ms  integer CHECK (generation_time_ms >= 0),
  is_favorite boolean NOT NULL DEFAULT false, user_rating smallint CHECK (user_rating BETWEEN 1 AND 5),
  personal_notes      text CHECK (char_length(personal_notes) <= 5000),
  tags                text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
  is_public           boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX saved_descriptions_generation_uq ON saved_descriptions (user_id, generation_id)
  WHERE generation_id IS NOT NULL;
CREATE INDEX saved_descriptions_user_created_idx ON saved_descriptions (user_id, created_at DESC);
CREATE INDEX saved_descriptions_user_style_idx ON saved_descriptions (user_id, style);
CREATE INDEX saved_descriptions_favorite_idx ON saved_descriptions (user_id, created_at DESC) WHERE is_favorite;
CREATE INDEX saved_descriptions_public_idx ON saved_descriptions (created_at DESC) WHERE is_public;
CREATE INDEX saved_descriptions_image_idx ON saved_descriptions (image_id);
CREATE INDEX saved_descriptions_session_idx ON saved_descriptions (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX saved_descriptions_fts_en_idx ON saved_descriptions USING gin (to_tsvector('english_unaccent', english_description));
CREATE INDEX saved_descriptions_fts_es_idx ON saved_descriptions USING gin (to_tsvector('spanish_unaccent', spanish_description));

-- ====================================================================================================
-- 5. Vocabulary and spaced repetition
-- ====================================================================================================

CREATE TABLE vocabulary_lists (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id         uuid REFERENCES users (id) ON DELETE CASCADE,
  name             text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100 AND name = btrim(name)),
  description      text CHECK (char_length(description) <= 1000),
  category vocabulary_category NOT NULL DEFAULT 'custom',
  difficulty_level smallint NOT NULL DEFAULT 1 CHECK (difficulty_level BETWEEN 1 AND 10),
  language_pair    text NOT NULL DEFAULT 'es-en' CHECK (language_pair ~ '^[a-z]{2}-[a-z]{2}$'),
  tags text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20), is_public boolean NOT NULL DEFAULT false,
  total_words integer NOT NULL DEFAULT 0 CHECK (total_words >= 0),   -- maintained by trigger
  source_url       text CHECK (source_url ~ '^https://'),
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (owner_id IS NOT NULL OR is_public)
);
CREATE UNIQUE INDEX vocabulary_lists_owner_name_uq ON vocabulary_lists (owner_id, lower(name)) NULLS NOT DISTINCT;
CREATE INDEX vocabulary_lists_public_idx ON vocabulary_lists (created_at DESC) WHERE is_public;
CREATE INDEX vocabulary_lists_category_idx ON vocabulary_lists (category);
CREATE INDEX vocabulary_lists_name_trgm_idx ON vocabulary_lists USING gin (immutable_unaccent(lower(name)) gin_trgm_ops);

CREATE TABLE vocabulary_list_shares (
  list_id    uuid NOT NULL REFERENCES vocabulary_lists (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (list_id, user_id)
);
CREATE INDEX vocabulary_list_shares_user_idx ON vocabulary_list_shares (user_id);

CREATE TABLE vocabulary_items (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  vocabulary_list_id  uuid NOT NULL REFERENCES vocabulary_lists (id) ON DELETE CASCADE,
  spanish_text        text NOT NULL CHECK (char_length(spanish_text) BETWEEN 1 AND 500 AND spanish_text = btrim(spanish_text)),
  english_translation text NOT NULL CHECK (char_length(english_translation) BETWEEN 1 AND 500),
  lemma text CHECK (char_length(lemma) <= 200), definition text CHECK (char_length(definition) <= 1000),
  part_of_speech part_of_speech NOT NULL DEFAULT 'other', difficulty_level difficulty_level NOT NULL DEFAULT 'beginner',
  category text CHECK (char_length(category) <= 100), gender spanish_gender,
  article             text CHECK (article IN ('el', 'la', 'los', 'las', 'un', 'una', 'unos', 'unas', 'lo')),
  plural_form text CHECK (char_length(plural_form) <= 200), conjugation text CHECK (char_length(conjugation) <= 300),
  context_sentence_spanish text CHECK (char_length(context_sentence_spanish) <= 1000),
  context_sentence_english text CHECK (char_length(context_sentence_english) <= 1000),
  examples text[] NOT NULL DEFAULT '{}' CHECK (cardinality(examples) <= 10),
  tags text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
  pronunciation_ipa text CHECK (char_length(pronunciation_ipa) <= 100), usage_notes text CHECK (char_length(usage_notes) <= 2000),
  frequency_score     smallint CHECK (frequency_score BETWEEN 1 AND 10),
  source_image_id     uuid REFERENCES images (id) ON DELETE SET NULL,
  source_description_id uuid REFERENCES saved_descriptions (id) ON DELETE SET NULL,
  metadata            jsonb NOT NULL DEFAULT '{}' CHECK (octet_length(metadata::text) <= 4096),
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX vocabulary_items_list_text_uq ON vocabulary_items (vocabulary_list_id, lower(spanish_text));
CREATE INDEX vocabulary_items_list_created_idx ON vocabulary_items (vocabulary_list_id, created_at);
CREATE INDEX vocabulary_items_category_difficulty_idx ON vocabulary_items (category, difficulty_level);
CREATE INDEX vocabulary_items_fts_es_idx ON vocabulary_items USING gin (to_tsvector('spanish_unaccent', spanish_text));
CREATE INDEX vocabulary_items_fts_en_idx ON vocabulary_items USING gin (to_tsvector('english_unaccent', english_translation));
CREATE INDEX vocabulary_items_trgm_es_idx ON vocabulary_items USING gin (immutable_unaccent(lower(spanish_text)) gin_trgm_ops);
CREATE INDEX vocabulary_items_trgm_en_idx ON vocabulary_items USING gin (immutable_unaccent(lower(english_translation)) gin_trgm_ops);
CREATE INDEX vocabulary_items_source_image_idx ON vocabulary_items (source_image_id) WHERE source_image_id IS NOT NULL;
CREATE INDEX vocabulary_items_source_desc_idx ON vocabulary_items (source_description_id) WHERE source_description_id IS NOT NULL;

-- SECURITY DEFINER: also runs after cascaded deletes started by roles without list rights (account deletion)
CREATE FUNCTION vocabulary_lists_recount(list_ids uuid[]) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  UPDATE vocabulary_lists l SET total_words = (SELECT count(*) FROM vocabulary_items i WHERE i.vocabulary_list_id = l.id)
   WHERE l.id = ANY (list_ids) $$;
CREATE FUNCTION vocabulary_items_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM vocabulary_lists_recount(ARRAY(SELECT DISTINCT vocabulary_list_id FROM new_rows)); RETURN NULL; END $$;
CREATE FUNCTION vocabulary_items_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM vocabulary_lists_recount(ARRAY(SELECT DISTINCT vocabulary_list_id FROM old_rows)); RETURN NULL; END $$;
CREATE FUNCTION vocabulary_items_after_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM vocabulary_lists_recount(ARRAY[OLD.vocabulary_list_id, NEW.vocabulary_list_id]); RETURN NULL; END $$;
CREATE TRIGGER vocabulary_items_count_ins AFTER INSERT ON vocabulary_items
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vocabulary_items_after_insert();
CREATE TRIGGER vocabulary_items_count_del AFTER DELETE ON vocabulary_items
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION vocabulary_items_after_delete();
CREATE TRIGGER vocabulary_items_count_move AFTER UPDATE OF vocabulary_list_id ON vocabulary_items FOR EACH ROW
  WHEN (OLD.vocabulary_list_id IS DISTINCT FROM NEW.vocabulary_list_id) EXECUTE FUNCTION vocabulary_items_after_move();

CREATE TABLE learning_progress (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  vocabulary_item_id uuid NOT NULL REFERENCES vocabulary_items (id) ON DELETE CASCADE,
  state              fsrs_state NOT NULL,
  step               smallint CHECK (step >= 0),                                    -- NULL in review state
  stability          double precision NOT NULL CHECK (stability > 0),              -- days
  difficulty         double precision NOT NULL CHECK (difficulty BETWEEN 1 AND 10),
  due timestamptz NOT NULL, last_review timestamptz NOT NULL,
  -- counters (all >= 0): correct = rating >= hard, incorrect = again, streak = consecutive correct
  reps integer NOT NULL DEFAULT 0, lapses integer NOT NULL DEFAULT 0, correct_count integer NOT NULL DEFAULT 0,
  incorrect_count integer NOT NULL DEFAULT 0, streak_count integer NOT NULL DEFAULT 0,
  mastery            numeric(4,3) NOT NULL DEFAULT 0 CHECK (mastery BETWEEN 0 AND 1),
  learning_phase     learning_phase GENERATED ALWAYS AS (CASE WHEN state <> 'review' THEN 'learning'::learning_phase
                       WHEN mastery >= 0.8 THEN 'mastered'::learning_phase ELSE 'review'::learning_phase END) STORED,
  average_response_time_ms integer CHECK (average_response_time_ms >= 0),
  first_reviewed_at  timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, vocabulary_item_id),
  CHECK (least(reps, lapses, correct_count, incorrect_count, streak_count) >= 0),
  CHECK (correct_count + incorrect_count = reps),
  CHECK ((state = 'review') = (step IS NULL))
);
CREATE INDEX learning_progress_user_state_due_idx ON learning_progress (user_id, state, due);
CREATE INDEX learning_progress_user_due_idx ON learning_progress (user_id, due);                  -- due queue
CREATE INDEX learning_progress_user_phase_idx ON learning_progress (user_id, learning_phase);
CREATE INDEX learning_progress_user_first_idx ON learning_progress (user_id, first_reviewed_at); -- new per day
CREATE INDEX learning_progress_item_idx ON learning_progress (vocabulary_item_id);

CREATE TABLE review_logs (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  vocabulary_item_id uuid NOT NULL REFERENCES vocabulary_items (id) ON DELETE CASCADE,
  session_id         uuid REFERENCES sessions (id) ON DELETE SET NULL,
  rating             smallint NOT NULL CHECK (rating BETWEEN 1 AND 4),              -- again hard good easy
  source_quality     smallint CHECK (source_quality BETWEEN 0 AND 5),               -- SM-2 input, if sent
  reviewed_at        timestamptz NOT NULL,
  review_duration_ms integer CHECK (review_duration_ms BETWEEN 0 AND 600000),
  state_before fsrs_state, state_after fsrs_state NOT NULL,                         -- NULL before = new card
  stability_before double precision, stability_after double precision NOT NULL,
  difficulty_before double precision, difficulty_after double precision NOT NULL,
  retrievability     double precision CHECK (retrievability BETWEEN 0 AND 1),       -- before the review
  elapsed_days       double precision CHECK (elapsed_days >= 0),
  scheduled_days     double precision NOT NULL CHECK (scheduled_days >= 0),
  due_after          timestamptz NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX review_logs_user_reviewed_idx ON review_logs (user_id, reviewed_at DESC);
CREATE INDEX review_logs_item_reviewed_idx ON review_logs (vocabulary_item_id, reviewed_at);
CREATE INDEX review_logs_session_idx ON review_logs (session_id) WHERE session_id IS NOT NULL;

-- ====================================================================================================
-- 6. Q&A, learning events, analytics, exports
-- ====================================================================================================

CREATE TABLE qa_responses (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session_id       uuid REFERENCES sessions (id) ON DELETE SET NULL,
  image_id         uuid REFERENCES images (id) ON DELETE SET NULL,
  description_id   uuid REFERENCES saved_descriptions (id) ON DELETE SET NULL,
  question_id      uuid,
  question         text NOT NULL CHECK (char_length(question) BETWEEN 1 AND 2000),
  correct_answer   text NOT NULL CHECK (char_length(correct_answer) BETWEEN 1 AND 5000),
  user_answer      text CHECK (char_length(user_answer) <= 5000),
  options          text[] CHECK (cardinality(options) BETWEEN 2 AND 6),
  selected_index smallint CHECK (selected_index BETWEEN 0 AND 5), correct_index smallint CHECK (correct_index BETWEEN 0 AND 5),
  is_correct boolean NOT NULL, similarity_score numeric(4,3) CHECK (similarity_score BETWEEN 0 AND 1),
  difficulty qa_difficulty NOT NULL DEFAULT 'medio', language language_preference NOT NULL DEFAULT 'es',
  category         text CHECK (category IN ('Vocabulario', 'Gramática', 'Cultura', 'Comprensión', 'Expresión')),
  response_time_ms integer CHECK (response_time_ms BETWEEN 0 AND 3600000), hint_used boolean NOT NULL DEFAULT false,
  attempts_count   smallint NOT NULL DEFAULT 1 CHECK (attempts_count >= 1),
  answered_at timestamptz NOT NULL DEFAULT now(), created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (user_answer IS NOT NULL OR selected_index IS NOT NULL)
);
CREATE INDEX qa_responses_user_answered_idx ON qa_responses (user_id, answered_at DESC);
CREATE INDEX qa_responses_user_category_idx ON qa_responses (user_id, category);
CREATE INDEX qa_responses_user_difficulty_idx ON qa_responses (user_id, difficulty);
CREATE INDEX qa_responses_correct_idx ON qa_responses (user_id, answered_at DESC) WHERE is_correct;
CREATE INDEX qa_responses_session_idx ON qa_responses (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX qa_responses_image_idx ON qa_responses (image_id) WHERE image_id IS NOT NULL;
CREATE INDEX qa_responses_description_idx ON qa_responses (description_id) WHERE description_id IS NOT NULL;

CREATE TABLE user_interactions (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session_id      uuid REFERENCES sessions (id) ON DELETE SET NULL,
  event_type      learning_event_type NOT NULL,
  client_event_id text CHECK (char_length(client_event_id) BETWEEN 1 AND 128),
  category text CHECK (char_length(category) <= 100), difficulty text CHECK (char_length(difficulty) <= 50),
  score numeric(4,3) CHECK (score BETWEEN 0 AND 1), correct boolean,
  time_spent_ms   integer CHECK (time_spent_ms BETWEEN 0 AND 86400000),
  event_data      jsonb NOT NULL DEFAULT '{}' CHECK (octet_length(event_data::text) <= 8192),
  occurred_at timestamptz NOT NULL, local_date date NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, client_event_id)
);
CREATE INDEX user_interactions_user_occurred_idx ON user_interactions (user_id, occurred_at DESC);
CREATE INDEX user_interactions_user_type_idx ON user_interactions (user_id, event_type, occurred_at DESC);
CREATE INDEX user_interactions_user_date_idx ON user_interactions (user_id, local_date);
CREATE INDEX user_interactions_session_idx ON user_interactions (session_id) WHERE session_id IS NOT NULL;

CREATE TABLE learning_analytics (
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  period_type  text NOT NULL CHECK (period_type IN ('daily', 'weekly', 'monthly')),
  period_start date NOT NULL,
  -- counts (all >= 0): learned = items first reviewed, reviewed = reviews, mastered = items crossing mastery 0.8
  vocabulary_learned integer NOT NULL DEFAULT 0, vocabulary_reviewed integer NOT NULL DEFAULT 0,
  reviews_correct integer NOT NULL DEFAULT 0, vocabulary_mastered integer NOT NULL DEFAULT 0,
  qa_total integer NOT NULL DEFAULT 0, qa_correct integer NOT NULL DEFAULT 0, sessions_count integer NOT NULL DEFAULT 0,
  study_minutes integer NOT NULL DEFAULT 0, descriptions_saved integer NOT NULL DEFAULT 0,
  events_count integer NOT NULL DEFAULT 0, points integer NOT NULL DEFAULT 0,
  active_days smallint NOT NULL DEFAULT 0 CHECK (active_days BETWEEN 0 AND 31),
  average_accuracy numeric(5,2) CHECK (average_accuracy BETWEEN 0 AND 100),
  daily_goal_met boolean, weekly_goal_met boolean,
  streak_days integer NOT NULL DEFAULT 0 CHECK (streak_days >= 0),   -- at period end
  computed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, period_type, period_start),
  CHECK (least(vocabulary_learned, vocabulary_reviewed, reviews_correct, vocabulary_mastered, qa_total, qa_correct,
               sessions_count, study_minutes, descriptions_saved, events_count, points) >= 0),
  CHECK (qa_correct <= qa_total AND reviews_correct <= vocabulary_reviewed),
  CHECK (period_type <> 'weekly' OR extract(isodow FROM period_start) = 1),
  CHECK (period_type <> 'monthly' OR extract(day FROM period_start) = 1)
);

CREATE TABLE analytics_events (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_name    text NOT NULL CHECK (event_name ~ '^[A-Za-z0-9_.:-]{1,100}$'),
  event_type    text NOT NULL DEFAULT 'custom' CHECK (event_type IN ('custom', 'page_view', 'interaction', 'performance', 'error')),
  user_id       uuid REFERENCES users (id) ON DELETE CASCADE,
  user_tier     text NOT NULL DEFAULT 'guest' CHECK (user_tier IN ('guest', 'free', 'basic', 'pro')),
  session_id    text CHECK (char_length(session_id) <= 128),                       -- client analytics session
  occurred_at timestamptz NOT NULL, received_at timestamptz NOT NULL DEFAULT now(),
  properties    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(properties) = 'object' AND octet_length(properties::text) <= 8192),
  page_path text CHECK (char_length(page_path) <= 2048), referrer text CHECK (char_length(referrer) <= 2048),
  user_agent    text CHECK (char_length(user_agent) <= 512),
  ip_hash       bytea CHECK (octet_length(ip_hash) = 16),
  severity      text CHECK (severity IN ('info', 'warning', 'error', 'critical')),
  error_message text CHECK (char_length(error_message) <= 1000), error_stack text CHECK (char_length(error_stack) <= 5000),
  metric_value double precision, metric_rating text CHECK (metric_rating IN ('good', 'needs-improvement', 'poor')),
  duration_ms   integer CHECK (duration_ms >= 0)
);
CREATE INDEX analytics_events_received_brin ON analytics_events USING brin (received_at);        -- retention
CREATE INDEX analytics_events_user_idx ON analytics_events (user_id, occurred_at DESC) WHERE user_id IS NOT NULL;
CREATE INDEX analytics_events_name_idx ON analytics_events (event_name, occurred_at DESC);
CREATE INDEX analytics_events_errors_idx ON analytics_events (occurred_at DESC) WHERE event_type = 'error';

CREATE TABLE export_history (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  format export_format NOT NULL, content_type export_content NOT NULL, status export_status NOT NULL DEFAULT 'pending',
  filters jsonb NOT NULL DEFAULT '{}', options jsonb NOT NULL DEFAULT '{}',
  records_count integer CHECK (records_count >= 0), file_size_bytes bigint CHECK (file_size_bytes >= 0),
  filename text CHECK (char_length(filename) <= 200), storage_key text CHECK (char_length(storage_key) <= 1024),
  error_message      text CHECK (char_length(error_message) <= 1000),
  started_at timestamptz, completed_at timestamptz, expires_at timestamptz,
  processing_time_ms integer CHECK (processing_time_ms >= 0),
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (status <> 'completed' OR (storage_key IS NOT NULL AND completed_at IS NOT NULL AND expires_at IS NOT NULL))
);
CREATE INDEX export_history_user_created_idx ON export_history (user_id, created_at DESC);
CREATE INDEX export_history_expiry_idx ON export_history (expires_at) WHERE status = 'completed';
CREATE INDEX export_history_open_idx ON export_history (created_at) WHERE status IN ('pending', 'processing');

-- schema_migrations (the runner's ledger, owner only) is created by describe_it/db/migrate.py before the
-- first migration runs: the runner needs it to know what to apply. It already exists at this point, so the
-- loops below enable RLS on it and the grants below leave describeit_admin without access, as specified.

DO $$ DECLARE t text; BEGIN
  FOREACH t IN ARRAY ARRAY['users', 'user_api_keys', 'user_settings', 'images', 'sessions', 'saved_descriptions',
                           'vocabulary_lists', 'vocabulary_items', 'learning_progress', 'export_history'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION set_updated_at()',
                   t || '_set_updated_at', t);
  END LOOP;
END $$;

-- ====================================================================================================
-- 7. Row-level security
-- ====================================================================================================

CREATE FUNCTION owns_list(p_list uuid) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  RETURN EXISTS (SELECT FROM vocabulary_lists l WHERE l.id = p_list AND l.owner_id = app_user_id());
CREATE FUNCTION can_read_list(p_list uuid) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  RETURN EXISTS (SELECT FROM vocabulary_lists l WHERE l.id = p_list
                   AND (l.is_public OR l.owner_id = app_user_id()
                        OR EXISTS (SELECT FROM vocabulary_list_shares s WHERE s.list_id = l.id AND s.user_id = app_user_id())));
REVOKE EXECUTE ON FUNCTION owns_list(uuid), can_read_list(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION owns_list(uuid), can_read_list(uuid) TO describeit_app, describeit_admin;
-- usernames for sharing without exposing other users' rows (a view runs with its owner's rights)
CREATE VIEW user_public_profiles AS SELECT id, username, full_name FROM users WHERE status = 'active';

DO $$ DECLARE t text; BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY admin_all ON %I TO describeit_admin USING (true) WITH CHECK (true)', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['user_api_keys', 'user_settings', 'sessions', 'sessions_archive', 'learning_progress',
                           'review_logs', 'qa_responses', 'user_interactions', 'learning_analytics', 'export_history'] LOOP
    EXECUTE format('CREATE POLICY app_own ON %I TO describeit_app USING (user_id = app_user_id()) '
                   'WITH CHECK (user_id = app_user_id())', t);   -- commands limited by the grants below
  END LOOP;
  FOREACH t IN ARRAY ARRAY['users', 'auth_refresh_tokens', 'auth_action_tokens', 'email_outbox'] LOOP
    EXECUTE format('CREATE POLICY auth_all ON %I TO describeit_auth USING (true) WITH CHECK (true)', t);
  END LOOP;
END $$;
CREATE POLICY app_self ON users FOR SELECT TO describeit_app USING (id = app_user_id());
CREATE POLICY app_read ON images FOR SELECT TO describeit_app USING (true);
CREATE POLICY app_insert ON images FOR INSERT TO describeit_app WITH CHECK (true);
CREATE POLICY app_update ON images FOR UPDATE TO describeit_app USING (true) WITH CHECK (true);  -- column grants
CREATE POLICY app_read ON saved_descriptions FOR SELECT TO describeit_app USING (user_id = app_user_id() OR is_public);
CREATE POLICY app_write ON saved_descriptions TO describeit_app USING (user_id = app_user_id()) WITH CHECK (user_id = app_user_id());
CREATE POLICY app_read ON vocabulary_lists FOR SELECT TO describeit_app USING (can_read_list(id));
CREATE POLICY app_write ON vocabulary_lists TO describeit_app USING (owner_id = app_user_id()) WITH CHECK (owner_id = app_user_id());
CREATE POLICY app_read ON vocabulary_list_shares FOR SELECT TO describeit_app USING (user_id = app_user_id() OR owns_list(list_id));
CREATE POLICY app_write ON vocabulary_list_shares TO describeit_app
  USING (owns_list(list_id)) WITH CHECK (owns_list(list_id) AND user_id <> app_user_id());
CREATE POLICY app_read ON vocabulary_items FOR SELECT TO describeit_app USING (can_read_list(vocabulary_list_id));
CREATE POLICY app_write ON vocabulary_items TO describeit_app
  USING (owns_list(vocabulary_list_id)) WITH CHECK (owns_list(vocabulary_list_id));
CREATE POLICY app_read ON analytics_events FOR SELECT TO describeit_app USING (user_id = app_user_id());
CREATE POLICY app_insert ON analytics_events FOR INSERT TO describeit_app WITH CHECK (user_id IS NULL OR user_id = app_user_id());

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO describeit_admin;
REVOKE ALL ON schema_migrations FROM describeit_admin;
GRANT SELECT ON users, user_public_profiles, sessions_archive, learning_analytics TO describeit_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON user_api_keys, saved_descriptions, vocabulary_lists, vocabulary_list_shares,
                                        vocabulary_items, learning_progress, qa_responses, export_history TO describeit_app;
GRANT SELECT, UPDATE ON user_settings TO describeit_app;
GRANT SELECT, INSERT, UPDATE ON sessions TO describeit_app;
GRANT SELECT, INSERT ON review_logs, user_interactions, analytics_events, images TO describeit_app;
GRANT UPDATE (usage_count, last_used_at, unsplash_id, description, alt_description, width, height, color,
              photographer_name, photographer_username, photographer_url, thumbnail_url) ON images TO describeit_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON users, auth_refresh_tokens, auth_action_tokens, email_outbox TO describeit_auth;
