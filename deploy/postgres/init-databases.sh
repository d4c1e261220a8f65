#!/bin/sh
# Runs once on an empty PostgreSQL data directory (docker-entrypoint-initdb.d): one user and one
# database per service, so no service can read another's tables. Passwords come from the
# environment (<SERVICE>_DB_PASSWORD), never from this file.
set -eu

for svc in ${AGENCY_DATABASES:-registry landlords matching notifications}; do
    var="$(printf '%s' "$svc" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    eval "password=\${$var:-}"
    if [ -z "$password" ]; then
        echo "init-databases: $var is not set" >&2
        exit 1
    fi
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        --set=svc="$svc" --set=password="$password" <<'SQL'
CREATE ROLE :"svc" LOGIN PASSWORD :'password';
CREATE DATABASE :"svc" OWNER :"svc";
REVOKE ALL ON DATABASE :"svc" FROM PUBLIC;
SQL
done
