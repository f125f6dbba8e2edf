app_name = "disputes"
urlpatterns: list = []
