import rules

from core.roles import has_any_role, is_admin, is_manager, sees_every_job


@rules.predicate
def is_job_owner(user, job) -> bool:
    return job is not None and job.owner_id == user.id


rules.add_perm("core.view_job", is_job_owner | sees_every_job)
rules.add_perm("core.run_database_report", is_manager | is_admin)
rules.add_perm("core.use_app", has_any_role)
rules.add_perm("core.use_admin", is_admin)
