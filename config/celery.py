"""The Celery app. Workers run `celery -A config worker -Q default,long`."""

import os

from celery import Celery

from core import broker
from core.worker import HeartbeatStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
broker.register()

app = Celery("campaign_desk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["worker"].add(HeartbeatStep)
