from marshmallow import Schema, ValidationError, fields, validate, validates_schema

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
