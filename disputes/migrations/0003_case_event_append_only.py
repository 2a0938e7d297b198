"""On PostgreSQL the database itself refuses UPDATE and DELETE of case events. (TRUNCATE,
which needs the table owner's rights, stays possible for test-database flushes.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION disputes_caseevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'disputes_caseevent is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS disputes_caseevent_append_only ON disputes_caseevent;
CREATE TRIGGER disputes_caseevent_append_only
    BEFORE UPDATE OR DELETE ON disputes_caseevent
    FOR EACH ROW EXECUTE FUNCTION disputes_caseevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS disputes_caseevent_append_only ON disputes_caseevent;
DROP FUNCTION IF EXISTS disputes_caseevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("disputes", "0002_categories")]

    operations = [migrations.RunPython(forwards, backwards)]
