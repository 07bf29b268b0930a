from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from smartcity import domains
from smartcity.auth import permissions
from smartcity.auth.models import ROLES
from smartcity.auth.password_policy import ANY_PASSWORD, PASSWORD

# \Z, not $: "$" also matches before a trailing newline.
USERNAME = validate.Regexp(r"^[A-Za-z0-9_.-]{3,64}\Z",
                           error="3-64 letters, digits, '_', '.' or '-'")
ROLE = validate.OneOf(ROLES)


class StrictBoolean(fields.Boolean):
    """A JSON true or false only: "yes", 1 or "0" are errors, not booleans."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class LoginSchema(Schema):
    username = fields.String(validate=validate.Length(max=254))
    email = fields.String(validate=validate.Length(max=254))
    password = fields.String(required=True, validate=ANY_PASSWORD)

    @validates_schema
    def one_identity(self, data, **_):
        if not data.get("username") and not data.get("email"):
            raise ValidationError("username or email is required", "username")


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=USERNAME)
    email = fields.Email(load_default=None, validate=validate.Length(max=254))
    full_name = fields.String(load_default=None, validate=validate.Length(max=128))
    password = fields.String(required=True, validate=PASSWORD, load_only=True)
    role = fields.String(load_default="viewer", validate=ROLE)


class UserUpdateSchema(Schema):
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    full_name = fields.String(allow_none=True, validate=validate.Length(max=128))
    role = fields.String(validate=ROLE)
    is_active = StrictBoolean()
    password = fields.String(validate=PASSWORD, load_only=True)


class ProfileUpdateSchema(Schema):
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    full_name = fields.String(allow_none=True, validate=validate.Length(max=128))


class ChangePasswordSchema(Schema):
    current_password = fields.String(required=True, validate=ANY_PASSWORD)
    new_password = fields.String(required=True, validate=PASSWORD)


class ForgotPasswordSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))


class ResetPasswordSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=256))
    password = fields.String(required=True, validate=PASSWORD, load_only=True)


class RefreshSchema(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(max=4096))


class LogoutSchema(Schema):
    refresh_token = fields.String(validate=validate.Length(max=4096))


class ServiceAccountCreateSchema(Schema):
    name = fields.String(required=True, validate=USERNAME)
    description = fields.String(load_default=None, validate=validate.Length(max=256))
    role = fields.String(load_default="viewer", validate=ROLE)


ROLE_NAME = validate.Regexp(r"^[a-z0-9][a-z0-9_.-]{1,63}\Z",
                            error="2-64 lower-case letters, digits, '_', '.' or '-'")


class RoleSchema(Schema):
    """A custom role: its permissions are "resource:action" (GET /api/roles/permissions)."""

    name = fields.String(required=True, validate=ROLE_NAME)
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=256))
    permissions = fields.List(fields.String(validate=validate.Length(max=100)), required=True,
                              validate=validate.Length(min=1, max=200))

    @validates("name")
    def not_built_in(self, value, **_):
        if value in ROLES:
            raise ValidationError(f"{value} is a built-in role")

    @validates("permissions")
    def known(self, value, **_):
        resources = {"*", *permissions.resources(current_app)}
        for permission in value:
            resource, sep, action = permission.partition(":")
            if not sep or resource not in resources or action not in ("*", *permissions.ACTIONS):
                raise ValidationError(f"unknown permission {permission!r}: resource:action, "
                                      f"action one of read, write, manage or *")


class AssignmentSchema(Schema):
    """A custom role given to a user; domains and device_groups scope it (both absent: none)."""

    role_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**31 - 1))
    domains = fields.List(fields.String(validate=validate.OneOf(domains.NAMES)),
                          load_default=None, allow_none=True,
                          validate=validate.Length(min=1, max=len(domains.NAMES)))
    device_groups = fields.List(fields.Integer(strict=True, validate=validate.Range(1, 2**31 - 1)),
                                load_default=None, allow_none=True,
                                validate=validate.Length(min=1, max=500))


class AssignmentsSchema(Schema):
    assignments = fields.List(fields.Nested(AssignmentSchema), required=True,
                              validate=validate.Length(max=50))


login_schema = LoginSchema()
user_create_schema = UserCreateSchema()
user_update_schema = UserUpdateSchema()
profile_update_schema = ProfileUpdateSchema()
change_password_schema = ChangePasswordSchema()
refresh_schema = RefreshSchema()
forgot_password_schema = ForgotPasswordSchema()
reset_password_schema = ResetPasswordSchema()
logout_schema = LogoutSchema()
service_account_create_schema = ServiceAccountCreateSchema()
role_create_schema = RoleSchema()
role_update_schema = RoleSchema(partial=True)
assignments_schema = AssignmentsSchema()


class UserOut(Schema):
    """A user as the API answers it (service.user_to_dict)."""

    id = fields.Integer(required=True)
    username = fields.String(required=True)
    email = fields.String(required=True, allow_none=True)
    full_name = fields.String(required=True, allow_none=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    is_active = fields.Boolean(required=True)
    created_at = fields.String(required=True, allow_none=True)
    last_login_at = fields.String(required=True, allow_none=True)
