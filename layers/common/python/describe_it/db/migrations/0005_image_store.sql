-- Image bytes kept by content hash (issue 8, item 4): the normalised JPEG a description is generated from is
-- stored once in the stack bucket as images/<sha256>.jpg, and the row records which object and its size, so
-- an image already in the catalogue is never fetched again (a popular Unsplash photo is fetched once for all
-- learners). Upload rows (data URIs) never record one: their bytes are not kept (schema.md §4).

ALTER TABLE images
  ADD COLUMN stored_sha256 bytea CHECK (octet_length(stored_sha256) = 32),
  ADD COLUMN stored_width integer CHECK (stored_width > 0),
  ADD COLUMN stored_height integer CHECK (stored_height > 0),
  ADD CONSTRAINT images_stored_all_or_nothing CHECK (
    (stored_sha256 IS NULL) = (stored_width IS NULL) AND (stored_sha256 IS NULL) = (stored_height IS NULL)),
  ADD CONSTRAINT images_stored_only_for_urls CHECK (stored_sha256 IS NULL OR source_type = 'url');

-- The app role records the stored object on the row it just fetched (fill only: see the guard below).
GRANT UPDATE (stored_sha256, stored_width, stored_height) ON images TO describeit_app;

-- Correction 21, extended to the stored object: a request may record it where none is recorded yet, never
-- swap it (that would change the picture every later learner of this image is shown). Same function as 0002,
-- one more group of columns; CREATE OR REPLACE keeps its owner and grants.
CREATE OR REPLACE FUNCTION images_guard_metadata() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  col text;
  old_values jsonb := to_jsonb(OLD);
  new_values jsonb := to_jsonb(NEW);
BEGIN
  IF current_setting('app.image_source', true) = 'provider'
     OR pg_has_role(current_user, 'describeit_admin', 'USAGE') THEN
    RETURN NEW;
  END IF;
  FOREACH col IN ARRAY ARRAY['unsplash_id', 'thumbnail_url', 'description', 'alt_description', 'width', 'height',
                             'color', 'photographer_name', 'photographer_username', 'photographer_url',
                             'stored_sha256', 'stored_width', 'stored_height'] LOOP
    IF old_values -> col <> 'null'::jsonb AND (old_values -> col) IS DISTINCT FROM (new_values -> col) THEN
      RAISE EXCEPTION 'images.% is already set; only provider data or an admin may change it', col
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END LOOP;
  RETURN NEW;
END $$;
REVOKE EXECUTE ON FUNCTION images_guard_metadata() FROM PUBLIC;
