ALTER TABLE outbox DROP COLUMN reply_to_address;
ALTER TABLE outbox DROP COLUMN reply_to_name;
ALTER TABLE outbox DROP COLUMN from_address;
ALTER TABLE outbox DROP COLUMN from_name;
ALTER TABLE organisations DROP COLUMN email_reply_to_address;
ALTER TABLE organisations DROP COLUMN email_reply_to_name;
ALTER TABLE organisations DROP COLUMN email_from_address;
ALTER TABLE organisations DROP COLUMN email_from_name;
