"""Database triggers that keep published and retired rubrics immutable, so no
path (raw SQL, a bulk update, a bug in a service) can change one.

A criterion may be inserted, updated or deleted only while its rubric is a
draft. A rubric that has left the draft state may only move from published
to retired; its scale, share, posting and version never change again.
"""

from django.db import migrations

LOCKED = "rubric is not a draft: it and its criteria are immutable"

SQLITE_UP = [
    f"""CREATE TRIGGER rubrics_criterion_locked_insert BEFORE INSERT ON rubrics_criterion
    WHEN (SELECT state FROM rubrics_rubric WHERE id = NEW.rubric_id) <> 'draft'
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END""",
    f"""CREATE TRIGGER rubrics_criterion_locked_update BEFORE UPDATE ON rubrics_criterion
    WHEN (SELECT state FROM rubrics_rubric WHERE id = OLD.rubric_id) <> 'draft'
      OR (SELECT state FROM rubrics_rubric WHERE id = NEW.rubric_id) <> 'draft'
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END""",
    f"""CREATE TRIGGER rubrics_criterion_locked_delete BEFORE DELETE ON rubrics_criterion
    WHEN (SELECT state FROM rubrics_rubric WHERE id = OLD.rubric_id) <> 'draft'
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END""",
    f"""CREATE TRIGGER rubrics_rubric_locked_update BEFORE UPDATE ON rubrics_rubric
    WHEN OLD.state <> 'draft' AND (
        NEW.posting_id <> OLD.posting_id OR NEW.version <> OLD.version
        OR NEW.scale_max <> OLD.scale_max OR NEW.must_have_share <> OLD.must_have_share
        OR NOT (NEW.state = OLD.state OR (OLD.state = 'published' AND NEW.state = 'retired')))
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END""",
    f"""CREATE TRIGGER rubrics_rubric_locked_delete BEFORE DELETE ON rubrics_rubric
    WHEN OLD.state <> 'draft'
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END""",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "rubrics_criterion_locked_insert", "rubrics_criterion_locked_update",
        "rubrics_criterion_locked_delete", "rubrics_rubric_locked_update",
        "rubrics_rubric_locked_delete",
    )
]

# 23000 (integrity_constraint_violation) reaches Django as IntegrityError.
POSTGRES_UP = [
    f"""CREATE FUNCTION rubrics_criterion_locked() RETURNS trigger AS $$
    BEGIN
      IF (TG_OP <> 'INSERT' AND (SELECT state FROM rubrics_rubric WHERE id = OLD.rubric_id) <> 'draft')
         OR (TG_OP <> 'DELETE' AND (SELECT state FROM rubrics_rubric WHERE id = NEW.rubric_id) <> 'draft')
      THEN
        RAISE EXCEPTION '{LOCKED}' USING ERRCODE = '23000';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER rubrics_criterion_locked BEFORE INSERT OR UPDATE OR DELETE
    ON rubrics_criterion FOR EACH ROW EXECUTE FUNCTION rubrics_criterion_locked()""",
    f"""CREATE FUNCTION rubrics_rubric_locked() RETURNS trigger AS $$
    BEGIN
      IF OLD.state <> 'draft' AND (
           TG_OP = 'DELETE'
           OR NEW.posting_id <> OLD.posting_id OR NEW.version <> OLD.version
           OR NEW.scale_max <> OLD.scale_max OR NEW.must_have_share <> OLD.must_have_share
           OR NOT (NEW.state = OLD.state OR (OLD.state = 'published' AND NEW.state = 'retired')))
      THEN
        RAISE EXCEPTION '{LOCKED}' USING ERRCODE = '23000';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER rubrics_rubric_locked BEFORE UPDATE OR DELETE
    ON rubrics_rubric FOR EACH ROW EXECUTE FUNCTION rubrics_rubric_locked()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS rubrics_criterion_locked ON rubrics_criterion",
    "DROP TRIGGER IF EXISTS rubrics_rubric_locked ON rubrics_rubric",
    "DROP FUNCTION IF EXISTS rubrics_criterion_locked()",
    "DROP FUNCTION IF EXISTS rubrics_rubric_locked()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("rubrics", "0002_roles")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
