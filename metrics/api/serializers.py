"""The dashboard as JSON: the same numbers as the pages, each metric with its formula,
numerator and denominator. Rates are fractions (0.972), not percentages; a rate whose
denominator is 0 is null."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..reports import funnel_steps, metric_values
from ..selectors import Dashboard


@extend_schema_field(
    {
        "type": "object",
        "description": "All the additive counters (metrics.definitions.Counters), by name.",
        "additionalProperties": {"type": "integer"},
    }
)
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

    @extend_schema_field(
        {
            # "number" takes integers too (a oneOf of integer and number matched a count
            # twice, which oneOf refuses).
            "type": "number",
            "nullable": True,
            "description": "A count (integer), a rate (fraction) or an average; null when the "
            "denominator is 0.",
        }
    )
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

    @extend_schema_field(MetricValueSerializer(many=True))
    def get_metrics(self, counters):
        return MetricValueSerializer(metric_values(counters), many=True).data


class ChildSerializer(CenterRefSerializer):
    """A child center with its counters and metrics."""

    counters = CountersField()
    metrics = MetricValueSerializer(many=True)


class BreakdownRowSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="Stable key: the category code, the channel or the risk level."
    )
    label = serializers.CharField(help_text="Its name in the request's language.")
    counters = CountersField()
    metrics = MetricValueSerializer(many=True)


class BreakdownsSerializer(serializers.Serializer):
    category = BreakdownRowSerializer(many=True)
    channel = BreakdownRowSerializer(many=True)
    risk_level = BreakdownRowSerializer(many=True)


class TrendPointSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    counters = CountersField()
    metrics = MetricValueSerializer(many=True)


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

    @extend_schema_field(MetricValueSerializer(many=True))
    def get_metrics(self, board: Dashboard):
        return MetricValueSerializer(metric_values(board.totals), many=True).data

    @extend_schema_field(ChildSerializer(many=True))
    def get_children(self, board: Dashboard):
        return [
            {**CenterRefSerializer(center).data, **_counted(counters)}
            for center, counters in board.children
        ]

    @extend_schema_field(BreakdownsSerializer)
    def get_breakdowns(self, board: Dashboard):
        def rows(items):
            return [
                {"key": key, "label": str(label), **_counted(counters)}
                for key, label, counters in items
            ]

        return {
            "category": rows(board.by_category),
            "channel": rows(board.by_channel),
            "risk_level": rows(board.by_risk),
        }

    @extend_schema_field(TrendPointSerializer(many=True))
    def get_trend(self, board: Dashboard):
        return [
            {"month": f"{month:%Y-%m}", **_counted(counters)} for month, counters in board.trend
        ]

    @extend_schema_field(FunnelStepSerializer(many=True))
    def get_funnel(self, board: Dashboard):
        return FunnelStepSerializer(funnel_steps(board), many=True).data
