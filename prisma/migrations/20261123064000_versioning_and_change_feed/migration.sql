-- Row versions and the change feed: the database itself is the cache's source
-- of versions and of change events, so writes that bypass the application
-- (psql, another service, raw SQL) keep the cache correct too.

-- Every UPDATE bumps "version" in the same statement (docs/design.md promise 1).
-- Doing it in a trigger means no write path can forget it.
CREATE FUNCTION catalog_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."version" := OLD."version" + 1;
  RETURN NEW;
END
$$;

-- Every committed row change is announced on the 'catalog_changes' channel.
-- NOTIFY is delivered only at commit and dropped on rollback, which is exactly
-- the "after commit, rollback invisible" rule (promise 3). The payload names
-- the table, the operation, the id, the version and the row's foreign keys
-- (old and new), which is what list invalidation needs; it stays far below
-- NOTIFY's 8000-byte limit because it never carries text columns.
CREATE FUNCTION catalog_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_keys jsonb;
  new_keys jsonb;
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
  PERFORM pg_notify('catalog_changes', json_build_object(
    't', TG_TABLE_NAME, 'op', lower(TG_OP), 'id', row_id, 'v', row_version,
    'old', old_keys, 'new', new_keys, 'tx', txid_current())::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER "User_bump_version" BEFORE UPDATE ON "User" FOR EACH ROW EXECUTE FUNCTION catalog_bump_version();
CREATE TRIGGER "Category_bump_version" BEFORE UPDATE ON "Category" FOR EACH ROW EXECUTE FUNCTION catalog_bump_version();
CREATE TRIGGER "Product_bump_version" BEFORE UPDATE ON "Product" FOR EACH ROW EXECUTE FUNCTION catalog_bump_version();
CREATE TRIGGER "Review_bump_version" BEFORE UPDATE ON "Review" FOR EACH ROW EXECUTE FUNCTION catalog_bump_version();
CREATE TRIGGER "Order_bump_version" BEFORE UPDATE ON "Order" FOR EACH ROW EXECUTE FUNCTION catalog_bump_version();
CREATE TRIGGER "OrderItem_bump_version" BEFORE UPDATE ON "OrderItem" FOR EACH ROW EXECUTE FUNCTION catalog_bump_version();

CREATE TRIGGER "User_notify_change" AFTER INSERT OR UPDATE OR DELETE ON "User" FOR EACH ROW EXECUTE FUNCTION catalog_notify_change();
CREATE TRIGGER "Category_notify_change" AFTER INSERT OR UPDATE OR DELETE ON "Category" FOR EACH ROW EXECUTE FUNCTION catalog_notify_change();
CREATE TRIGGER "Product_notify_change" AFTER INSERT OR UPDATE OR DELETE ON "Product" FOR EACH ROW EXECUTE FUNCTION catalog_notify_change();
CREATE TRIGGER "Review_notify_change" AFTER INSERT OR UPDATE OR DELETE ON "Review" FOR EACH ROW EXECUTE FUNCTION catalog_notify_change();
CREATE TRIGGER "Order_notify_change" AFTER INSERT OR UPDATE OR DELETE ON "Order" FOR EACH ROW EXECUTE FUNCTION catalog_notify_change();
CREATE TRIGGER "OrderItem_notify_change" AFTER INSERT OR UPDATE OR DELETE ON "OrderItem" FOR EACH ROW EXECUTE FUNCTION catalog_notify_change();
