-- Webhooks' outbox (src/webhooks): every insert into ticket_events records, in the same statement and so the
-- same transaction, one delivery per enabled webhook that subscribes to the event's type (or to '*'). Every
-- write path records its events in its own statement shape (CTEs, bulk inserts); a trigger is the one place
-- that sees them all. One run per statement (a bulk update's many events cost one), and with no enabled
-- webhook it is one look at an empty (or tiny) table. At commit it wakes the processes that send deliveries;
-- the sweep job finds the rows anyway if that notification is lost.
CREATE FUNCTION record_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhooks WHERE enabled) THEN
    RETURN NULL;
  END IF;
  INSERT INTO webhook_deliveries (webhook_id, event_id, event_type)
    SELECT w.id, i.id, i.type
    FROM inserted i
    JOIN webhooks w ON w.enabled AND ('*' = ANY (w.events) OR i.type::text = ANY (w.events));
  IF FOUND THEN
    PERFORM pg_notify('webhook_deliveries', '');
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER ticket_events_webhook_deliveries
  AFTER INSERT ON ticket_events
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION record_webhook_deliveries();
