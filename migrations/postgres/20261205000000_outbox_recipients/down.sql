DROP TABLE outbox_recipients;
