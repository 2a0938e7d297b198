"""The dashboard as JSON: the same numbers as the pages, each metric with its formula,
numerator and denominator. Rates are fractions (0.972), not percentages; a rate whose
denominator is 0 is null."""

from rest_framework import serializers

from ..reports import funnel_steps, metric_values
from ..selectors import Dashboard


class CountersField(serializers.Field):
    """All the additive counters (metrics.definitions.Counters), by name."""

    def to_representation(self, value):
        return value.as_dict()


class MetricValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    formula = serializers.CharField()
    kind = serializers.CharField()
    value = serializers.SerializerMethodField()
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField(allow_null=True)

    def get_value(self, obj):
        return obj.value  # an int for a count, a float for a rate or an average, or null


class CenterRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    level_display = serializers.CharField(source="get_level_display")


class PeriodSerializer(serializers.Serializer):
    kind = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="The first day after the period.")
    last_day = serializers.DateField()
    label = serializers.CharField(source="display")


class CountedSerializer(serializers.Serializer):
    """Something with counters (a child center, a category …): the counters and every
    metric computed from them."""

    counters = CountersField(source="*")
    metrics = serializers.SerializerMethodField()

    def get_metrics(self, counters):
        return MetricValueSerializer(metric_values(counters), many=True).data


def _counted(counters) -> dict:
    return CountedSerializer(counters).data


class FunnelStepSerializer(serializers.Serializer):
    level = serializers.CharField()
    label = serializers.CharField()
    reached = serializers.IntegerField(help_text="Accepted cases whose highest level was this.")
    reached_share = serializers.FloatField(allow_null=True)
    climbed = serializers.IntegerField(help_text="Accepted cases that reached this level or up.")
    climbed_share = serializers.FloatField(allow_null=True)
    resolved = serializers.IntegerField(help_text="Cases resolved at this level.")
    resolved_share = serializers.FloatField(allow_null=True)


class DashboardSerializer(serializers.Serializer):
    """A dashboard (metrics.selectors.Dashboard) as JSON."""

    center = CenterRefSerializer(allow_null=True)
    period = PeriodSerializer()
    computed_at = serializers.DateTimeField()
    totals = CountersField()
    metrics = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()
    breakdowns = serializers.SerializerMethodField()
    trend = serializers.SerializerMethodField()
    funnel = serializers.SerializerMethodField()

    def get_metrics(self, board: Dashboard):
        return MetricValueSerializer(metric_values(board.totals), many=True).data

    def get_children(self, board: Dashboard):
        return [
            {**CenterRefSerializer(center).data, **_counted(counters)}
            for center, counters in board.children
        ]

    def get_breakdowns(self, board: Dashboard):
        def rows(items):
            return [{"label": str(label), **_counted(counters)} for label, counters in items]

        return {
            "category": rows(board.by_category),
            "channel": rows(board.by_channel),
            "risk_level": rows(board.by_risk),
        }

    def get_trend(self, board: Dashboard):
        return [
            {"month": f"{month:%Y-%m}", **_counted(counters)} for month, counters in board.trend
        ]

    def get_funnel(self, board: Dashboard):
        return FunnelStepSerializer(funnel_steps(board), many=True).data
