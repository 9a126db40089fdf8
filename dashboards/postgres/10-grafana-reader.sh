#!/bin/sh
# Runs once, when the PostgreSQL container initialises an empty data directory
# (/docker-entrypoint-initdb.d). Creates the read-only role Grafana's ledger
# datasource uses: it can SELECT every table the owner creates now or later
# (the migrations run afterwards, as the owner), and change nothing.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v reader="$LEDGER_READER_USER" -v password="$LEDGER_READER_PASSWORD" -v db="$POSTGRES_DB" -v owner="$POSTGRES_USER" <<'SQL'
CREATE ROLE :"reader" LOGIN PASSWORD :'password';
GRANT CONNECT ON DATABASE :"db" TO :"reader";
GRANT USAGE ON SCHEMA public TO :"reader";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"reader";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON TABLES TO :"reader";
SQL
