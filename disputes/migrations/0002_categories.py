from django.db import migrations

CATEGORIES = [
    ("neighbourhood", "邻里纠纷", "Neighbourhood"),
    ("tenancy", "租赁纠纷", "Tenancy"),
    ("consumer", "消费纠纷", "Consumer"),
    ("labour", "劳动纠纷", "Labour"),
    ("family", "婚姻家庭纠纷", "Family"),
    ("property-management", "物业纠纷", "Property management"),
    ("other", "其他纠纷", "Other"),
]


def create(apps, schema_editor):
    Category = apps.get_model("disputes", "Category")
    for position, (slug, name, name_en) in enumerate(CATEGORIES):
        Category.objects.update_or_create(slug=slug, defaults={"name": name, "name_en": name_en, "position": position})


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
