-- One function wires a table into the cache's change feed: the version bump
-- (docs/design.md promise 1) and the committed-change notification (promises
-- 3 and 4), under fixed trigger names. Every cached model's migration calls
-- it once (`SELECT catalog_watch('Brand');`) instead of writing triggers by
-- hand, and test/integration/change-feed-triggers.test.ts checks over
-- pg_trigger that every model in src/model/registry.ts has both triggers.
-- It is idempotent: calling it again replaces the two triggers.
CREATE FUNCTION catalog_watch(table_name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', table_name || '_bump_version', table_name);
  EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION catalog_bump_version()',
    table_name || '_bump_version', table_name);
  EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', table_name || '_notify_change', table_name);
  EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION catalog_notify_change()',
    table_name || '_notify_change', table_name);
END
$$;

-- The tables wired by hand before this function existed, now through it.
SELECT catalog_watch(t) FROM unnest(ARRAY['User', 'Category', 'Product', 'Review', 'Order', 'OrderItem']) AS t;
