DROP TABLE usage_records;
DROP TABLE agreement_events;
DROP TABLE agreement_versions;
DROP TABLE agreements;
