from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from centers.models import Center
from centers.services import center_tree_rebuild


class Command(BaseCommand):
    help = _("按上级关系重建中心树的 MPTT 字段（持树锁）。")

    def add_arguments(self, parser):
        parser.add_argument(
            "--code",
            help=_("只重建该区划代码所在的树；不填则重建全部"),
        )

    def handle(self, *args, code=None, **options):
        root = None
        if code:
            root = Center.objects.filter(code=code).first()
            if root is None:
                raise CommandError(_("没有区划代码为 %(code)s 的中心。") % {"code": code})
        count = center_tree_rebuild(root=root)
        self.stdout.write(_("已重建 %(count)d 个中心的树字段。") % {"count": count})
