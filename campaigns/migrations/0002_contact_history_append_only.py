from django.db import migrations

# Contact history is the evidence that results rest on: the database itself refuses to change or delete it.
APPEND_ONLY = """
CREATE FUNCTION campaigns_contact_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Contact history is append-only: rows cannot be changed or deleted.';
END $$;
CREATE TRIGGER contact_history_append_only BEFORE UPDATE OR DELETE ON campaigns_contacthistory
    FOR EACH ROW EXECUTE FUNCTION campaigns_contact_history_append_only();
"""
DROP = """
DROP TRIGGER contact_history_append_only ON campaigns_contacthistory;
DROP FUNCTION campaigns_contact_history_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_initial")]

    operations = [migrations.RunSQL(APPEND_ONLY, DROP)]
