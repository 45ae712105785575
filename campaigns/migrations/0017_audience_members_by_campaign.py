"""The members table becomes one partition per campaign (see campaigns/members.py), plus a default partition.

Existing members move to their campaign's partition. The model is unchanged: Django reads and writes the
partitioned table by its old name.
"""

from django.db import migrations

TABLE = "campaigns_audiencemember"

PARTITION = f"""
ALTER TABLE {TABLE} RENAME TO {TABLE}_single;
ALTER TABLE {TABLE}_single RENAME CONSTRAINT {TABLE}_pkey TO {TABLE}_single_pkey;
CREATE TABLE {TABLE} (LIKE {TABLE}_single INCLUDING DEFAULTS) PARTITION BY LIST (campaign_id);
ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (campaign_id, customer_id);
CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT;
DO $$
DECLARE campaign bigint;
BEGIN
    FOR campaign IN SELECT DISTINCT campaign_id FROM {TABLE}_single LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF {TABLE} FOR VALUES IN (%s)', '{TABLE}_' || campaign, campaign);
    END LOOP;
END $$;
INSERT INTO {TABLE} SELECT * FROM {TABLE}_single;
DROP TABLE {TABLE}_single;
ANALYZE {TABLE};
"""

SINGLE = f"""
CREATE TABLE {TABLE}_single (LIKE {TABLE} INCLUDING DEFAULTS);
INSERT INTO {TABLE}_single SELECT * FROM {TABLE};
DROP TABLE {TABLE};
ALTER TABLE {TABLE}_single RENAME TO {TABLE};
ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (campaign_id, customer_id);
ANALYZE {TABLE};
"""


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0016_merge_cancelled_twice"),
    ]

    operations = [migrations.RunSQL(PARTITION, SINGLE)]
