"""Model fields for personal data sealed at rest (core.crypto, docs/personal-data-encryption.md).

`EncryptedTextField` holds a value sealed with AES-GCM; model code reads and writes plaintext.
It cannot be searched: the only lookups it allows are `isnull` and equality with "".
Where code looks a value up by equality, a `BlindIndexField(source=...)` beside it holds the
keyed index, kept in step on every save (also with `update_fields`, through BlindIndexed):

    User.objects.filter(phone_index=blind_index(phone))
"""

from __future__ import annotations

from django import forms
from django.core import validators
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from . import crypto


class _EmptyOnly(Exact):
    """Equality with "" only: any other value was sealed with a fresh nonce and matches nothing."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None) or hasattr(self.rhs, "resolve_expression"):
            raise FieldError(
                f"{self.lhs.target.model.__name__}.{self.lhs.target.name} is encrypted: "
                "look it up by its blind index (docs/personal-data-encryption.md)"
            )
        return self.rhs


class EncryptedTextField(models.TextField):
    """Text sealed with AES-GCM under the current data key, bound to its table and column."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def context(self) -> bytes:
        return crypto.aad(self.model._meta.db_table, self.column)

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _EmptyOnly
        if lookup_name == "isnull":
            return IsNull
        return None  # Django then says the lookup is unsupported for this field

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if value is None:
            return None
        return crypto.seal(str(value), self.context())

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return crypto.open_value(value, self.context())

    def formfield(self, **kwargs):
        # A single-line input like the CharField it replaces, not the TextField's textarea.
        return super().formfield(**{"widget": forms.TextInput, **kwargs})


class BlindIndexField(models.CharField):
    """The blind index of the field named `source`, computed when the row is saved."""

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", crypto.INDEX_HEX)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, value in (
            ("max_length", crypto.INDEX_HEX),
            ("blank", True),
            ("default", ""),
            ("editable", False),
        ):
            if kwargs.get(key) == value:
                kwargs.pop(key)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = crypto.blind_index(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


class BlindIndexed:
    """Saves with `update_fields` naming a source field also write its blind index.

    A plain mixin, not an abstract model, so it does not move models.Model ahead of other
    mixins (django-fsm's) in the method resolution order.
    """

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            names = set(update_fields)
            names |= {
                f.name
                for f in self._meta.concrete_fields
                if isinstance(f, BlindIndexField) and f.source in names
            }
            kwargs["update_fields"] = names
        super().save(*args, **kwargs)


def encrypted_fields(model) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def index_fields(model) -> list[BlindIndexField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
