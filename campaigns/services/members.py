"""Where a campaign's audience members are stored: a partition of the members table of their own.

An audience build replaces every member of its campaign. With the members of
all campaigns in one table that meant deleting hundreds of thousands of rows and
inserting as many, each checked against the key of the rows just deleted and
written twice (table and write-ahead log). With a partition per campaign the
build empties the campaign's own partition (TRUNCATE, which the transaction
undoes if the build fails) and fills it: a table emptied in the same
transaction is written without the log where the server allows it. Readers of
that campaign's members wait from the TRUNCATE until the build commits (about
the last third of it); readers of other campaigns' members do not wait.

Members of a campaign without a partition of its own (rows written by tests and
scripts, and those of installations before partitions) live in the default
partition; a campaign's partition is made the first time a job writes its
members in bulk, and takes its rows from there. Making one locks the default
partition until the job commits, and scans it: it is kept small.
"""

from django.db.backends.utils import CursorWrapper

from campaigns.models import AudienceMember
from core.lib.tables import analyze

MEMBERS = AudienceMember._meta.db_table
DEFAULT_PARTITION = f"{MEMBERS}_default"
# Two jobs making the same campaign's partition at once would both find it missing.
PARTITION_LOCK = 0x43445041  # "CDPA"


def partition_name(campaign_id: int) -> str:
    return f"{MEMBERS}_{int(campaign_id)}"


def _exists(cursor: CursorWrapper, table: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
    return cursor.fetchone()[0]


def members_partition(cursor: CursorWrapper, campaign_id: int) -> str:
    """The name of the campaign's own partition of the members table, made now (with the campaign's members
    from the default partition) if it has none. The caller's transaction holds what this does."""
    name = partition_name(campaign_id)
    if _exists(cursor, name):
        return name
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PARTITION_LOCK])
    if _exists(cursor, name):
        return name
    # Made apart and attached: attaching locks the members table only against other changes of its partitions,
    # where making it as a partition would lock every reader of every campaign's members until commit.
    cursor.execute(f"CREATE TABLE {name} (LIKE {MEMBERS} INCLUDING DEFAULTS)")
    cursor.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE campaign_id = %s RETURNING *) "
        f"INSERT INTO {name} SELECT * FROM moved",
        [campaign_id],
    )
    cursor.execute(f"ALTER TABLE {MEMBERS} ATTACH PARTITION {name} FOR VALUES IN ({int(campaign_id)})")
    return name


def members_analyze(cursor: CursorWrapper, campaign_id: int) -> None:
    """Fresh planner statistics for one campaign's members, after a job changed them in bulk (an ANALYZE of the
    members table would sample every campaign's partition)."""
    name = partition_name(campaign_id)
    analyze(name if _exists(cursor, name) else DEFAULT_PARTITION)
