"""The cockpit's tallies (Tally, SettlementTally), kept by triggers on the dispute table.

Every INSERT, UPDATE (of grid, category, filing time, state or settlement time) and DELETE
of a dispute moves one count out of its old tally row and into its new one, in the same
transaction, whatever path the write took (services, queryset updates, the admin, loads).
A count leaves a row with a plain UPDATE, so deleting disputes after their tallies (a test
flush) leaves nothing behind. On PostgreSQL the two rows of a move are written in key order,
so two transactions moving counts between the same rows in opposite directions cannot
deadlock. Months are filing months in the site's time zone (settings.TIME_ZONE at migration
time); days are whole 24-hour days from filing to settlement. The tallies are filled from
the disputes already there.
"""

import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models

PG_INSTALL = """
CREATE FUNCTION disputes_month(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE
    AS $$ SELECT date_trunc('month', at AT TIME ZONE '{tz}')::date $$;
CREATE FUNCTION disputes_days(filed timestamptz, settled timestamptz) RETURNS integer
    LANGUAGE sql IMMUTABLE AS $$ SELECT floor(extract(epoch FROM settled - filed) / 86400)::integer $$;
CREATE FUNCTION disputes_tally_add(g bigint, m date, c bigint, s varchar, delta integer)
    RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF delta > 0 THEN
        INSERT INTO disputes_tally (grid_id, month, category_id, state, n) VALUES (g, m, c, s, delta)
        ON CONFLICT (grid_id, month, category_id, state) DO UPDATE SET n = disputes_tally.n + delta;
    ELSE
        UPDATE disputes_tally SET n = n + delta
        WHERE grid_id = g AND month = m AND category_id = c AND state = s;
    END IF;
END $$;
CREATE FUNCTION disputes_settlement_tally_add(g bigint, m date, c bigint, d integer, delta integer)
    RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF d IS NULL THEN
        RETURN;
    ELSIF delta > 0 THEN
        INSERT INTO disputes_settlementtally (grid_id, month, category_id, days, n) VALUES (g, m, c, d, delta)
        ON CONFLICT (grid_id, month, category_id, days) DO UPDATE SET n = disputes_settlementtally.n + delta;
    ELSE
        UPDATE disputes_settlementtally SET n = n + delta
        WHERE grid_id = g AND month = m AND category_id = c AND days = d;
    END IF;
END $$;
CREATE FUNCTION disputes_dispute_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    om date; od integer; nm date; nd integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        nm := disputes_month(NEW.created_at);
        PERFORM disputes_tally_add(NEW.grid_id, nm, NEW.category_id, NEW.state, 1);
        PERFORM disputes_settlement_tally_add(
            NEW.grid_id, nm, NEW.category_id, disputes_days(NEW.created_at, NEW.settled_at), 1);
        RETURN NULL;
    END IF;
    om := disputes_month(OLD.created_at);
    od := disputes_days(OLD.created_at, OLD.settled_at);
    IF TG_OP = 'DELETE' THEN
        PERFORM disputes_tally_add(OLD.grid_id, om, OLD.category_id, OLD.state, -1);
        PERFORM disputes_settlement_tally_add(OLD.grid_id, om, OLD.category_id, od, -1);
        RETURN NULL;
    END IF;
    nm := disputes_month(NEW.created_at);
    nd := disputes_days(NEW.created_at, NEW.settled_at);
    IF (OLD.grid_id, om, OLD.category_id, OLD.state) IS DISTINCT FROM (NEW.grid_id, nm, NEW.category_id, NEW.state) THEN
        IF (NEW.grid_id, nm, NEW.category_id, NEW.state) < (OLD.grid_id, om, OLD.category_id, OLD.state) THEN
            PERFORM disputes_tally_add(NEW.grid_id, nm, NEW.category_id, NEW.state, 1);
            PERFORM disputes_tally_add(OLD.grid_id, om, OLD.category_id, OLD.state, -1);
        ELSE
            PERFORM disputes_tally_add(OLD.grid_id, om, OLD.category_id, OLD.state, -1);
            PERFORM disputes_tally_add(NEW.grid_id, nm, NEW.category_id, NEW.state, 1);
        END IF;
    END IF;
    IF (OLD.grid_id, om, OLD.category_id, od) IS DISTINCT FROM (NEW.grid_id, nm, NEW.category_id, nd) THEN
        IF od IS NOT NULL AND nd IS NOT NULL
                AND (NEW.grid_id, nm, NEW.category_id, nd) < (OLD.grid_id, om, OLD.category_id, od) THEN
            PERFORM disputes_settlement_tally_add(NEW.grid_id, nm, NEW.category_id, nd, 1);
            PERFORM disputes_settlement_tally_add(OLD.grid_id, om, OLD.category_id, od, -1);
        ELSE
            PERFORM disputes_settlement_tally_add(OLD.grid_id, om, OLD.category_id, od, -1);
            PERFORM disputes_settlement_tally_add(NEW.grid_id, nm, NEW.category_id, nd, 1);
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER disputes_dispute_tally AFTER INSERT OR DELETE ON disputes_dispute
    FOR EACH ROW EXECUTE FUNCTION disputes_dispute_tally();
CREATE TRIGGER disputes_dispute_tally_update AFTER UPDATE ON disputes_dispute FOR EACH ROW
    WHEN ((OLD.grid_id, OLD.category_id, OLD.created_at, OLD.state, OLD.settled_at)
          IS DISTINCT FROM (NEW.grid_id, NEW.category_id, NEW.created_at, NEW.state, NEW.settled_at))
    EXECUTE FUNCTION disputes_dispute_tally();
"""

# Also used by bench/stats.py after a bulk load with the triggers off.
PG_FILL = """
INSERT INTO disputes_tally (grid_id, month, category_id, state, n)
    SELECT grid_id, disputes_month(created_at), category_id, state, count(*)
    FROM disputes_dispute GROUP BY 1, 2, 3, 4;
INSERT INTO disputes_settlementtally (grid_id, month, category_id, days, n)
    SELECT grid_id, disputes_month(created_at), category_id, disputes_days(created_at, settled_at), count(*)
    FROM disputes_dispute WHERE settled_at IS NOT NULL GROUP BY 1, 2, 3, 4;
"""

PG_UNINSTALL = """
DROP TRIGGER disputes_dispute_tally_update ON disputes_dispute;
DROP TRIGGER disputes_dispute_tally ON disputes_dispute;
DROP FUNCTION disputes_dispute_tally();
DROP FUNCTION disputes_settlement_tally_add(bigint, date, bigint, integer, integer);
DROP FUNCTION disputes_tally_add(bigint, date, bigint, varchar, integer);
DROP FUNCTION disputes_days(timestamptz, timestamptz);
DROP FUNCTION disputes_month(timestamptz);
"""

# SQLite (tests, development): Django registers these functions on every connection it opens.
SQLITE_MONTH = "substr(django_datetime_trunc('month', {row}.created_at, '{tz}', '{conn_tz}'), 1, 10)"
SQLITE_DAYS = "(django_timestamp_diff({row}.settled_at, {row}.created_at) / 86400000000)"
SQLITE_ADD = """
    INSERT INTO disputes_tally (grid_id, month, category_id, state, n)
        VALUES (NEW.grid_id, {new_month}, NEW.category_id, NEW.state, 1)
        ON CONFLICT (grid_id, month, category_id, state) DO UPDATE SET n = n + 1;
    INSERT INTO disputes_settlementtally (grid_id, month, category_id, days, n)
        SELECT NEW.grid_id, {new_month}, NEW.category_id, {new_days}, 1 WHERE NEW.settled_at IS NOT NULL
        ON CONFLICT (grid_id, month, category_id, days) DO UPDATE SET n = n + 1;
"""
SQLITE_REMOVE = """
    UPDATE disputes_tally SET n = n - 1 WHERE grid_id = OLD.grid_id AND month = {old_month}
        AND category_id = OLD.category_id AND state = OLD.state;
    UPDATE disputes_settlementtally SET n = n - 1 WHERE grid_id = OLD.grid_id AND month = {old_month}
        AND category_id = OLD.category_id AND days = {old_days};
"""
SQLITE_INSTALL = [
    "CREATE TRIGGER disputes_dispute_tally_insert AFTER INSERT ON disputes_dispute BEGIN"
    + SQLITE_ADD
    + "END",
    "CREATE TRIGGER disputes_dispute_tally_delete AFTER DELETE ON disputes_dispute BEGIN"
    + SQLITE_REMOVE
    + "END",
    "CREATE TRIGGER disputes_dispute_tally_update"
    " AFTER UPDATE OF grid_id, category_id, created_at, state, settled_at ON disputes_dispute"
    " WHEN OLD.grid_id IS NOT NEW.grid_id OR OLD.category_id IS NOT NEW.category_id"
    " OR OLD.created_at IS NOT NEW.created_at OR OLD.state IS NOT NEW.state"
    " OR OLD.settled_at IS NOT NEW.settled_at BEGIN" + SQLITE_REMOVE + SQLITE_ADD + "END",
    """INSERT INTO disputes_tally (grid_id, month, category_id, state, n)
        SELECT grid_id, {any_month}, category_id, state, count(*) FROM disputes_dispute GROUP BY 1, 2, 3, 4""",
    """INSERT INTO disputes_settlementtally (grid_id, month, category_id, days, n)
        SELECT grid_id, {any_month}, category_id, {any_days}, count(*) FROM disputes_dispute
        WHERE settled_at IS NOT NULL GROUP BY 1, 2, 3, 4""",
]
SQLITE_UNINSTALL = [f"DROP TRIGGER disputes_dispute_tally_{op}" for op in ("insert", "delete", "update")]


def sqlite_statements(connection, statements: list[str]) -> list[str]:
    """SQLITE_INSTALL's statements (or the first three: the triggers) for this connection."""
    tz = settings.TIME_ZONE
    names = {}
    for row in ("new", "old", "any"):
        prefix = row.upper() if row != "any" else "disputes_dispute"
        names[f"{row}_month"] = SQLITE_MONTH.format(row=prefix, tz=tz, conn_tz=connection.timezone_name)
        names[f"{row}_days"] = SQLITE_DAYS.format(row=prefix)
    return [sql.format(**names) for sql in statements]


def install(apps, schema_editor):
    connection = schema_editor.connection
    tz = settings.TIME_ZONE
    if connection.vendor == "postgresql":
        schema_editor.execute(PG_INSTALL.replace("{tz}", tz))
        schema_editor.execute(PG_FILL)
    elif connection.vendor == "sqlite":
        for sql in sqlite_statements(connection, SQLITE_INSTALL):
            schema_editor.execute(sql)
    else:
        raise NotImplementedError(f"cockpit tallies need triggers for {connection.vendor}")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UNINSTALL)
    else:
        for sql in SQLITE_UNINSTALL:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_phone_code_user"),
        ("disputes", "0009_sla_defaults"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SettlementTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("grid_id", models.BigIntegerField()),
                ("category_id", models.BigIntegerField()),
                ("month", models.DateField()),
                ("days", models.IntegerField()),
                ("n", models.IntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="Tally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("grid_id", models.BigIntegerField()),
                ("category_id", models.BigIntegerField()),
                ("month", models.DateField()),
                ("state", models.CharField(max_length=30)),
                ("n", models.IntegerField(default=0)),
            ],
        ),
        migrations.AddIndex(
            model_name="dispute",
            index=models.Index(
                condition=models.Q(("due_at__isnull", False)),
                fields=["due_at"],
                include=("grid", "category", "created_at"),
                name="dispute_overdue",
            ),
        ),
        migrations.AddIndex(
            model_name="dispute",
            index=models.Index(
                django.db.models.expressions.CombinedExpression(
                    models.F("settled_at"), "-", models.F("created_at")
                ),
                models.F("grid"),
                models.F("category"),
                models.F("created_at"),
                models.F("settled_at"),
                condition=models.Q(("settled_at__isnull", False)),
                name="dispute_settle_time",
            ),
        ),
        migrations.AddConstraint(
            model_name="settlementtally",
            constraint=models.UniqueConstraint(
                fields=("grid_id", "month", "category_id", "days"), name="settlement_tally_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="tally",
            constraint=models.UniqueConstraint(
                fields=("grid_id", "month", "category_id", "state"), name="tally_key"
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
