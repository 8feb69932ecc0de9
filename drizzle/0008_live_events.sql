-- Live events (src/live): every insert into ticket_events wakes the API processes that stream events.
-- One notification per statement (a bulk update's many events wake once), carrying the newest id; PostgreSQL
-- delivers it at commit, so a listener never reads an event that is not committed yet. The payload is only a
-- wake-up call: listeners read the events themselves from the table.
CREATE FUNCTION notify_ticket_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ticket_events', (SELECT max(id)::text FROM inserted));
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER ticket_events_notify
  AFTER INSERT ON ticket_events
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION notify_ticket_events();
