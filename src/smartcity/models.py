"""Imports every model so that Alembic and tests see the whole schema: the core's here, each
installed domain's `models` module through the domain list (a new domain edits nothing here)."""

import importlib
import importlib.util

from smartcity.alerts.models import Alarm, AlertRule, AlertRulesVersion, AnomalyFlag  # noqa: F401
from smartcity.assets.models import Asset  # noqa: F401
from smartcity.audit.models import AuditEntry  # noqa: F401
from smartcity.auth.models import (  # noqa: F401
    PasswordResetToken,
    RevokedToken,
    ServiceAccount,
    User,
    UserSession,
)
from smartcity.custom_dashboards.models import CustomDashboard, HomeDashboard  # noqa: F401
from smartcity.database import Base
from smartcity.devices.control_models import (  # noqa: F401
    Command,
    DeviceAttributes,
    DeviceGroup,
    DeviceGroupMember,
)
from smartcity.devices.models import Device  # noqa: F401
from smartcity.domains import INSTALLED
from smartcity.jobs.models import JobRun  # noqa: F401
from smartcity.mqtt.accounts.models import BrokerAccountChange  # noqa: F401
from smartcity.notifications.models import NotificationDelivery  # noqa: F401
from smartcity.telemetry import models as telemetry_models  # noqa: F401

for _package in filter(None, INSTALLED.values()):
    if importlib.util.find_spec(f"{_package}.models") is not None:
        importlib.import_module(f"{_package}.models")

metadata = Base.metadata
