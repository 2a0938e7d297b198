"""Install the dispute categories of domain.md (人民调解 statistical classes) so that a fresh
database has them. Admins may rename, reorder or deactivate them later; a re-run adds only
missing codes."""

from django.db import migrations

CATEGORIES = [
    ("marriage_family", "婚姻家庭", "含赡养、抚养、继承"),
    ("neighbour", "邻里纠纷", ""),
    ("housing_homestead", "房屋宅基地", ""),
    ("land_forest", "山林土地", "含土地承包经营"),
    ("land_acquisition", "征地拆迁", ""),
    ("labour", "劳动争议", "含欠薪"),
    ("medical", "医疗纠纷", ""),
    ("property_mgmt", "物业纠纷", ""),
    ("consumer", "消费纠纷", ""),
    ("traffic", "道路交通事故", ""),
    ("environment", "环境污染", ""),
    ("contract_debt", "合同/债权债务", ""),
    ("damages", "损害赔偿", ""),
    ("production", "生产经营", ""),
    ("village_affairs", "村务管理", ""),
    ("other", "其他", ""),
]


def install(apps, schema_editor):
    Category = apps.get_model("disputes", "Category")
    for order, (code, name, description) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
