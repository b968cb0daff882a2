DEBUG=1
DATABASE_URL=postgres://postgres:postgres@db/app
