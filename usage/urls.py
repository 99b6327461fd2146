from django.urls import path

from . import views

app_name = "usage"

urlpatterns = [
    path("", views.SignalListView.as_view(), name="signals"),
    path("signals/<int:pk>/", views.SignalDetailView.as_view(), name="signal"),
    path("records/", views.RecordListView.as_view(), name="records"),
    path("upload/", views.UploadView.as_view(), name="upload"),
    path("chargeback/", views.ChargebackView.as_view(), name="chargeback"),
    path("chargeback.csv", views.ChargebackView.as_view(), {"fmt": "csv"}, name="chargeback-csv"),
    path("panels/identity/<int:pk>/", views.IdentityPanel.as_view(), name="identity-panel"),
    path("panels/dashboard/", views.DashboardPanel.as_view(), name="dashboard-panel"),
]
