-- The change feed names the columns an UPDATE changed ('changed'), so every
-- instance can tell an update that moves a row between lists, reorders them
-- or changes an aggregate (a foreign key, an ordering column, a rating) from
-- one that changes none of them (a price, a stock): the latter bumps no
-- collection (src/db/relations.ts, affectedCollections). Column names only,
-- so the payload stays far below NOTIFY's 8000-byte limit. Otherwise the
-- same function as in 20261123064000_versioning_and_change_feed; the
-- triggers (catalog_watch) call it by name and need no change.
CREATE OR REPLACE FUNCTION catalog_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_keys jsonb;
  new_keys jsonb;
  changed jsonb;
  row_id integer;
  row_version integer;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    SELECT jsonb_object_agg(key, value) INTO old_keys
      FROM jsonb_each(to_jsonb(OLD)) WHERE key ~ 'Id$';
  END IF;
  IF TG_OP <> 'DELETE' THEN
    SELECT jsonb_object_agg(key, value) INTO new_keys
      FROM jsonb_each(to_jsonb(NEW)) WHERE key ~ 'Id$';
    row_id := NEW."id";
    row_version := NEW."version";
  ELSE
    row_id := OLD."id";
    row_version := OLD."version";
  END IF;
  IF TG_OP = 'UPDATE' THEN
    SELECT coalesce(jsonb_agg(n.key), '[]'::jsonb) INTO changed
      FROM jsonb_each(to_jsonb(NEW)) n JOIN jsonb_each(to_jsonb(OLD)) o ON o.key = n.key
      WHERE n.value IS DISTINCT FROM o.value;
  END IF;
  PERFORM pg_notify('catalog_changes', json_build_object(
    't', TG_TABLE_NAME, 'op', lower(TG_OP), 'id', row_id, 'v', row_version,
    'old', old_keys, 'new', new_keys, 'changed', changed, 'tx', txid_current())::text);
  RETURN NULL;
END
$$;
