from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "mediation"
