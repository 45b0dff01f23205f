DROP TABLE fee_models;
DROP TABLE index_series;
DROP TABLE price_items;
