"""Imports every model so that Alembic and tests see the whole schema."""

from smartcity.alerts.models import Alarm, AlertRule, AlertRulesVersion, AnomalyFlag  # noqa: F401
from smartcity.assets.models import Asset  # noqa: F401
from smartcity.audit.models import AuditEntry  # noqa: F401
from smartcity.auth.models import RevokedToken, ServiceAccount, User  # noqa: F401
from smartcity.custom_dashboards.models import CustomDashboard, HomeDashboard  # noqa: F401
from smartcity.database import Base
from smartcity.devices.control_models import (  # noqa: F401
    Command,
    DeviceAttributes,
    DeviceGroup,
    DeviceGroupMember,
)
from smartcity.devices.models import Device  # noqa: F401
from smartcity.emergency.models import EmergencyIncident, PublicAlert  # noqa: F401
from smartcity.jobs.models import JobRun  # noqa: F401
from smartcity.mqtt.accounts.models import BrokerAccountChange  # noqa: F401
from smartcity.notifications.models import NotificationDelivery  # noqa: F401
from smartcity.telemetry import models as telemetry_models  # noqa: F401
from smartcity.traffic.models import SignalPlan, TrafficIncident  # noqa: F401
from smartcity.waste.models import Collection  # noqa: F401

metadata = Base.metadata
