"""The throwaway server the scale-out tests stand on: real, reachable, one database per test."""

import psycopg2


def test_each_test_gets_its_own_empty_database(postgres_url: str) -> None:
    con = psycopg2.connect(postgres_url)
    try:
        with con.cursor() as cur:
            cur.execute("create table t (n int)")
            cur.execute("insert into t values (1), (2)")
            cur.execute("select sum(n), current_setting('server_version_num')::int from t")
            total, version = cur.fetchone()
    finally:
        con.close()
    assert total == 3
    assert version >= 150000
