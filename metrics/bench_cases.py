"""Synthetic cases for the dashboard benchmark (`manage.py bench_dashboard`).

Only what the metrics read is generated: Dispute rows with every fact of disputes.facts set
consistently, and their follow-ups (回访, read by 满意率). Parties, case events, mediation
sessions and escalation rows are not read by any metric and are not generated. Generated
cases are recognised by their tracking number, which starts with BENCH_PREFIX.

Distributions (domain.md; the shares are those of a typical year, not of any one place):

- where: every village gets a weight, Zipf-like twice over: counties (or, where there is no
  county, the city) in a shuffled order get 1/rank^0.6, the villages of each in a shuffled
  order 1/rank^0.7. A few counties and villages are very busy, most are quiet.
- when: the window is the 24 months up to yesterday, day by day, with seasons (a peak around
  the Spring Festival and at the year's end, when wage and family disputes peak; a low in
  October), fewer cases on days off, and 8 % growth a year. Ids follow registration time, as
  they do in production, so the table is not clustered by place.
- what: categories weighted after the 人民调解 statistics (邻里 and 婚姻家庭 lead), channels
  (来访, 网格上报 and 12345 lead), risk levels (一般 95.5 %, 较大 4 %, 重大 0.5 %).
- the ladder: ~89 % are received at the village, the rest at the township, county or city
  (信访 referrals at the county). 较大 cases go to the township and 重大 ones to the county at
  once. At each level the case is settled (调解成功), or mediation fails and it goes up, or it
  runs over its time limit (then, half the time, the deadline watch sends it up; otherwise it
  is supervised and settled late where it is), or (rarely) it fails and is closed. Some 8 %
  end above the level that received them (most of those for their risk); ~98 % of the old
  cases end resolved, over 80 % of them at the village.
- after closure: the follow-up three working days later (满意 80 %, 基本满意 12 %,
  不满意 2.5 % → reopened, handled again, a second follow-up; unreachable 5.5 %), archived a
  month after it. A few cases (0.3 %) get stuck open and overdue.
- the recent cases are still open at the state they would be in today; deadlines, warnings
  and working days use the platform's own calendar (governance.workdays).

Everything is decided by a seeded random generator per chunk of days, so a seed gives the
same cases whatever the number of worker processes."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate

from django.utils import timezone

from centers.choices import CenterLevel
from centers.models import Center
from disputes.choices import Channel, FollowUpStatus, RequestType, RiskLevel, Satisfaction, Status
from disputes.deadlines import DEFAULT_LEVEL_WORKDAYS, warning_share
from governance.workdays import is_workday

__all__ = [
    "BENCH_PREFIX",
    "DISPUTE_COLUMNS",
    "FOLLOW_UP_COLUMNS",
    "BOOLEAN_COLUMNS",
    "CaseContext",
    "Chunk",
    "Geography",
    "Calendar",
    "build_context",
    "plan_chunks",
    "generate_chunk",
]

BENCH_PREFIX = "BENCH-"

# The ladder by height: 0 village … 4 province (a case's level is an index into this).
HEIGHTS = (
    CenterLevel.VILLAGE,
    CenterLevel.TOWNSHIP,
    CenterLevel.COUNTY,
    CenterLevel.CITY,
    CenterLevel.PROVINCE,
)
VILLAGE, TOWNSHIP, COUNTY, CITY, PROVINCE = range(5)
LIMIT_WORKDAYS = tuple(DEFAULT_LEVEL_WORKDAYS[level] for level in HEIGHTS)

DAY = 86_400
HOUR = 3_600
UTC_OFFSET = 8 * HOUR  # Asia/Shanghai, no daylight saving time

# --- distributions ---------------------------------------------------------------------------

CATEGORY_WEIGHTS = {
    "neighbour": 25,
    "marriage_family": 22,
    "land_forest": 9,
    "housing_homestead": 8,
    "labour": 7,
    "contract_debt": 7,
    "property_mgmt": 4,
    "traffic": 4,
    "damages": 4,
    "land_acquisition": 3,
    "village_affairs": 3,
    "other": 3,
    "consumer": 2,
    "production": 2,
    "medical": 1.5,
    "environment": 1.5,
}
CHANNEL_WEIGHTS = {
    Channel.WALK_IN: 35,
    Channel.GRID: 25,
    Channel.HOTLINE_12345: 12,
    Channel.PHONE: 10,
    Channel.ONLINE: 5,
    Channel.PETITION: 4,
    Channel.POLICE: 4,
    Channel.COURT: 3,
    Channel.OTHER: 2,
}
RISK_WEIGHTS = {RiskLevel.ORDINARY: 95.5, RiskLevel.SERIOUS: 4, RiskLevel.MAJOR: 0.5}
REQUEST_WEIGHTS = {
    RequestType.HELP: 70,
    RequestType.COMPLAINT: 15,
    RequestType.CONSULTATION: 10,
    RequestType.REPORT: 3,
    RequestType.SUGGESTION: 2,
}
# Month → relative volume: Spring Festival (family, wages) and year's end peaks, October low.
SEASON = {
    1: 1.30,
    2: 1.20,
    3: 1.05,
    4: 1.00,
    5: 1.00,
    6: 0.95,
    7: 0.95,
    8: 0.95,
    9: 0.95,
    10: 0.85,
    11: 0.95,
    12: 1.10,
}
DAY_OFF_FACTOR = 0.45
GROWTH_PER_YEAR = 0.08
# Registration hour (local) → relative volume: office hours, a lunch dip.
HOUR_WEIGHTS = [0.1] * 7 + [1, 4, 6, 6, 5, 2, 3, 5, 6, 5, 4, 2, 1, 0.6, 0.4, 0.2, 0.1]
COUNTY_ZIPF = 0.6
VILLAGE_ZIPF = 0.7

# Where a case is received (信访 referrals are received at the county).
RECEIVED_AT = ((VILLAGE, 0.93), (TOWNSHIP, 0.98), (COUNTY, 0.997), (CITY, 1.0))
NOT_ACCEPTED = 0.012
RISK_MIN_HEIGHT = {
    RiskLevel.ORDINARY: VILLAGE,
    RiskLevel.SERIOUS: TOWNSHIP,
    RiskLevel.MAJOR: COUNTY,
}
# Per level (by height): the chance the case runs over its limit, that mediation fails and it
# is sent up, that it fails and is closed there; otherwise it is settled there.
P_OVERDUE = (0.02, 0.04, 0.04, 0.03, 0.03)
P_AUTO_ESCALATE = 0.5  # of the overdue below the city: sent up (else supervised, late)
P_FAIL_UP = (0.025, 0.10, 0.06, 0.02, 0.0)
P_FAIL_CLOSE = (0.008, 0.012, 0.015, 0.02, 0.03)
P_STUCK = 0.003
MEAN_DAYS = (4.0, 9.0, 18.0, 15.0, 15.0)  # calendar days a settled case spends at a level
P_DISPATCH = (0.05, 0.40, 0.55, 0.5, 0.5)  # dispatched to a department (派单) at that level
P_RETURN = 0.08  # of the dispatched: returned once (退单)
P_REPEAT = 0.03
P_CONFIDENTIAL = 0.01
# Follow-up ratings: cumulative shares.
RATINGS = (
    (Satisfaction.SATISFIED, 0.80),
    (Satisfaction.BASICALLY_SATISFIED, 0.92),
    (Satisfaction.UNSATISFIED, 0.945),
    (None, 1.0),  # unreachable
)
FOLLOW_UP_AFTER_WORKDAYS = 3
FOLLOW_UP_ANSWER_WORKDAYS = 5
ARCHIVE_AFTER_DAYS = 30

# --- columns ---------------------------------------------------------------------------------

DISPUTE_COLUMNS = (
    "id", "tracking_number", "access_code_hash", "channel", "category_id", "risk_level",
    "request_type", "summary", "description", "occurred_at", "village_id", "address",
    "receiving_center_id", "current_center_id", "level", "status", "dispatched_by_center_id",
    "dispatched_at", "designated", "return_count", "escalation_count", "reopen_count",
    "is_overdue", "is_supervised", "is_extended", "is_confidential", "level_entered_at",
    "level_deadline", "level_workdays", "level_due_at", "warn_at", "warned_at", "closed_at",
    "loc_province_id", "loc_city_id", "loc_county_id", "loc_township_id", "receiving_level",
    "top_level", "accepted_at", "mediation_started_at", "resolved_at", "resolved_level",
    "closed_on_time", "handling_workdays", "was_overdue", "dispatch_count", "is_repeat",
    "handled_elsewhere", "events_recorded", "last_event_hash", "version", "created_at",
    "updated_at",
)  # fmt: skip
FOLLOW_UP_COLUMNS = (
    "dispute_id", "cycle", "center_id", "status", "due_on", "rating", "comment",
    "answered_at", "ended_at", "created_at", "loc_city_id", "loc_county_id", "loc_township_id",
    "village_id",
)  # fmt: skip
BOOLEAN_COLUMNS = frozenset(
    {
        "designated",
        "is_overdue",
        "is_supervised",
        "is_extended",
        "is_confidential",
        "closed_on_time",
        "was_overdue",
        "is_repeat",
        "handled_elsewhere",
    }
)
NULL = "\\N"
TRUE, FALSE = "t", "f"


# --- the world the cases happen in -----------------------------------------------------------


@dataclass
class Geography:
    """The villages cases happen in: per village its chain of ancestors by height (village,
    township, county, city, province ids; None where the tree has no unit of that level,
    e.g. 东莞's townships hang straight under the city) and a cumulative weight."""

    chains: list[tuple]
    cum_weights: list[float]

    def __len__(self) -> int:
        return len(self.chains)


def load_geography(*, seed: int) -> Geography:
    """Every active village with its ancestors, weighted Zipf-like (module docstring)."""
    parent, level = {}, {}
    for pk, parent_id, center_level in Center.objects.filter(is_active=True).values_list(
        "pk", "parent_id", "level"
    ):
        parent[pk] = parent_id
        level[pk] = center_level
    height = {center_level: h for h, center_level in enumerate(HEIGHTS)}
    chains = []
    villages = sorted(pk for pk, center_level in level.items() if center_level == HEIGHTS[0])
    for pk in villages:
        chain = [pk, None, None, None, None]
        node = parent[pk]
        while node is not None:
            chain[height[level[node]]] = node
            node = parent.get(node)
        chains.append(tuple(chain))
    if not chains:
        return Geography([], [])
    rng = random.Random(seed)
    groups: dict[int, list[int]] = {}
    for index, chain in enumerate(chains):
        key = chain[COUNTY] or chain[CITY] or chain[TOWNSHIP] or 0
        groups.setdefault(key, []).append(index)
    keys = sorted(groups)
    rng.shuffle(keys)
    weights = [0.0] * len(chains)
    for rank, key in enumerate(keys, start=1):
        factor = rank**-COUNTY_ZIPF
        members = groups[key]
        rng.shuffle(members)
        for village_rank, index in enumerate(members, start=1):
            weights[index] = factor * village_rank**-VILLAGE_ZIPF
    return Geography(chains, list(accumulate(weights)))


@dataclass
class Calendar:
    """Day numbers (0 = the window's first day) with the platform's working days, and the
    texts of every day and second the rows need (formatting datetimes one by one is the
    slowest part of writing rows otherwise)."""

    first: date
    days: int
    workdays_through: list[int]  # working days in [0, day]
    workday_list: list[int]  # the working days' numbers, ascending
    local_dates: list[str]  # day → "YYYY-MM-DD"
    utc_dates: list[str]  # day + 1 → "YYYY-MM-DD " of the UTC day (index 0: the day before)
    clock: list[str]  # second of the day → "HH:MM:SS"
    suffix: str  # "+00" for PostgreSQL; "" where datetimes are stored as naive UTC

    @classmethod
    def build(cls, *, first: date, days: int, suffix: str) -> Calendar:
        working = [is_workday(first + timedelta(days=d)) for d in range(days)]
        through = list(accumulate(int(w) for w in working))
        return cls(
            first=first,
            days=days,
            workdays_through=through,
            workday_list=[d for d in range(days) if working[d]],
            local_dates=[(first + timedelta(days=d)).isoformat() for d in range(days)],
            utc_dates=[f"{first + timedelta(days=d - 1)} " for d in range(days + 1)],
            clock=[f"{s // HOUR:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)],
            suffix=suffix,
        )

    def add_workdays(self, day: int, count: int) -> int:
        """The `count`-th working day after `day` (governance.workdays.add_workdays)."""
        if count == 0:
            return day
        return self.workday_list[self.workdays_through[day] + count - 1]

    def workdays_between(self, first: int, last: int) -> int:
        """Working days d with first < d <= last (governance.workdays.workdays_between)."""
        return max(0, self.workdays_through[last] - self.workdays_through[first])

    def text(self, moment: int) -> str:
        """`moment` (local seconds since day 0) as a timestamp in UTC."""
        utc = moment - UTC_OFFSET
        return self.utc_dates[utc // DAY + 1] + self.clock[utc % DAY] + self.suffix


@dataclass
class CaseContext:
    """Everything the generator needs, made once in the main process (worker processes
    inherit it)."""

    seed: int
    geography: Geography
    calendar: Calendar
    now: int  # local seconds since day 0
    window_days: int
    categories: list[tuple[int, str]]  # (id, summary text), in CATEGORY_WEIGHTS order
    access_code_hash: str


def build_context(
    *, seed: int, now: datetime, access_code_hash: str, timestamp_suffix: str
) -> CaseContext:
    """The generator's context: the 24 months up to yesterday, the villages, the categories
    (they come from a data migration; missing ones are created by the caller first)."""
    from disputes.models import Category

    today = timezone.localdate(now)
    month = today.replace(day=1)
    for _ in range(23):
        month = (month - timedelta(days=1)).replace(day=1)
    first = month
    window_days = (today - first).days
    # Deadlines of the last cases, follow-ups and reopens reach past today: a year's margin.
    calendar = Calendar.build(first=first, days=window_days + 400, suffix=timestamp_suffix)
    local_now = timezone.localtime(now)
    now_seconds = window_days * DAY + local_now.hour * HOUR + local_now.minute * 60
    names = dict(Category.objects.values_list("code", "name"))
    pks = dict(Category.objects.values_list("code", "pk"))
    categories = [(pks[code], f"{names[code]}（压测）") for code in CATEGORY_WEIGHTS]
    return CaseContext(
        seed=seed,
        geography=load_geography(seed=seed),
        calendar=calendar,
        now=now_seconds,
        window_days=window_days,
        categories=categories,
        access_code_hash=access_code_hash,
    )


# --- the plan: how many cases each day, in chunks ------------------------------------------


@dataclass(frozen=True)
class Chunk:
    """Consecutive days generated (and written) together; `first_id` is the id of its first
    case, `number` seeds its random generator."""

    number: int
    first_id: int
    days: tuple[tuple[int, int], ...]  # (day number, cases that day)

    @property
    def cases(self) -> int:
        return sum(count for _day, count in self.days)


def daily_counts(*, cases: int, first: date, days: int) -> list[int]:
    """`cases` spread over `days` days from `first` by season, day off and growth (largest
    remainder, so the total is exact)."""
    weights = []
    for d in range(days):
        day = first + timedelta(days=d)
        weight = SEASON[day.month] * (1 + GROWTH_PER_YEAR * d / 365)
        if not is_workday(day):
            weight *= DAY_OFF_FACTOR
        weights.append(weight)
    total = sum(weights)
    exact = [cases * w / total for w in weights]
    counts = [int(x) for x in exact]
    short = cases - sum(counts)
    for d in sorted(range(days), key=lambda d: counts[d] - exact[d])[:short]:
        counts[d] += 1
    return counts


def plan_chunks(*, cases: int, context: CaseContext, first_id: int, chunk_size: int) -> list:
    """The days in chunks of about `chunk_size` cases (whole days, in order)."""
    counts = daily_counts(cases=cases, first=context.calendar.first, days=context.window_days)
    chunks, days, in_chunk, next_id = [], [], 0, first_id
    for day, count in enumerate(counts):
        if count:
            days.append((day, count))
            in_chunk += count
        if days and (in_chunk >= chunk_size or day == len(counts) - 1):
            chunks.append(Chunk(len(chunks), next_id, tuple(days)))
            next_id += in_chunk
            days, in_chunk = [], 0
    return chunks


# --- one chunk -------------------------------------------------------------------------------


@dataclass
class ChunkResult:
    """A chunk's rows in COPY text format (tab-separated, \\N for NULL, one row a line)."""

    disputes: str
    follow_ups: str
    cases: int
    stats: Counter = field(default_factory=Counter)


def generate_chunk(context: CaseContext, chunk: Chunk) -> ChunkResult:
    """The chunk's cases and follow-ups."""
    maker = _CaseMaker(context, random.Random(context.seed * 1_000_003 + chunk.number))
    rng = maker.rng
    geography = context.geography
    village_index = range(len(geography))
    categories = range(len(context.categories))
    hour_cum = list(accumulate(HOUR_WEIGHTS))
    category_cum = list(accumulate(CATEGORY_WEIGHTS.values()))
    channels, channel_cum = list(CHANNEL_WEIGHTS), list(accumulate(CHANNEL_WEIGHTS.values()))
    risks, risk_cum = list(RISK_WEIGHTS), list(accumulate(RISK_WEIGHTS.values()))
    requests, request_cum = list(REQUEST_WEIGHTS), list(accumulate(REQUEST_WEIGHTS.values()))
    disputes, follow_ups = [], []
    pk = chunk.first_id
    for day, count in chunk.days:
        hours = rng.choices(range(24), cum_weights=hour_cum, k=count)
        moments = sorted(day * DAY + hour * HOUR + int(rng.random() * HOUR) for hour in hours)
        villages = rng.choices(village_index, cum_weights=geography.cum_weights, k=count)
        picked_categories = rng.choices(categories, cum_weights=category_cum, k=count)
        picked_channels = rng.choices(channels, cum_weights=channel_cum, k=count)
        picked_risks = rng.choices(risks, cum_weights=risk_cum, k=count)
        picked_requests = rng.choices(requests, cum_weights=request_cum, k=count)
        for i in range(count):
            maker.make(
                pk=pk,
                created=moments[i],
                chain=geography.chains[villages[i]],
                category=context.categories[picked_categories[i]],
                channel=picked_channels[i],
                risk=picked_risks[i],
                request_type=picked_requests[i],
                disputes=disputes,
                follow_ups=follow_ups,
            )
            pk += 1
    return ChunkResult(
        disputes="".join(disputes),
        follow_ups="".join(follow_ups),
        cases=chunk.cases,
        stats=maker.stats,
    )


def _bool(value: bool) -> str:
    return TRUE if value else FALSE


def _int_or_null(value) -> str:
    return NULL if value is None else str(value)


@dataclass(slots=True)
class _Stage:
    """The case's time at one level: entered at `start` (its clock: deadline day, due and
    warning moments), left at `end` (None: never, for a stuck case) with `outcome` (agree,
    up, fail, stuck); mediation started at `mediation`, dispatched at `dispatched`."""

    height: int
    start: int
    deadline: int
    due_at: int
    warn_at: int
    end: int | None = None
    outcome: str = ""
    mediation: int | None = None
    dispatched: int | None = None
    returned: bool = False
    reopened: bool = False


_RECEIVED = tuple(f"received_{level}" for level in HEIGHTS)
_TOP = tuple(f"top_{level}" for level in HEIGHTS)
_RESOLVED = tuple(f"resolved_{level}" for level in HEIGHTS)


class _CaseMaker:
    """Simulates one case's way through the ladder up to now and writes its row (and its
    follow-ups' rows) in COPY text format."""

    def __init__(self, context: CaseContext, rng: random.Random):
        self.context = context
        self.calendar = context.calendar
        self.rng = rng
        self.now = context.now
        self.stats: Counter = Counter()
        self.warn_workdays = [max(1, math.ceil(w * warning_share())) for w in LIMIT_WORKDAYS]
        self.touched = 0  # the case's last change so far (updated_at)

    def stage(self, height: int, start: int) -> _Stage:
        """A stage at `height` entered at `start`, with the level's clock
        (disputes.deadlines.level_clock): overdue from the day after the deadline, warned on
        the morning of the day by which 80 % of the limit is used."""
        calendar, day = self.calendar, start // DAY
        deadline = calendar.add_workdays(day, LIMIT_WORKDAYS[height])
        warn_day = calendar.add_workdays(day, self.warn_workdays[height])
        return _Stage(height, start, deadline, (deadline + 1) * DAY, warn_day * DAY)

    def expo(self, mean_seconds: float) -> int:
        return int(self.rng.expovariate(1.0 / mean_seconds))

    def touch(self, moment: int | None) -> None:
        if moment is not None and self.touched < moment <= self.now:
            self.touched = moment

    # -- one case ------------------------------------------------------------------------------

    def make(
        self,
        *,
        pk: int,
        created: int,
        chain: tuple,
        category: tuple[int, str],
        channel: str,
        risk: str,
        request_type: str,
        disputes: list,
        follow_ups: list,
    ) -> None:
        rnd, now, calendar, stats = self.rng.random, self.now, self.calendar, self.stats
        if channel == Channel.PETITION:
            received = COUNTY  # 信访 referrals
        else:
            r = rnd()
            received = next(h for h, share in RECEIVED_AT if r < share)
        received = _present(chain, received)
        self.touched = created
        accepted_at = resolved_at = closed_at = None
        reopen_count, rows = 0, []
        if rnd() < NOT_ACCEPTED:
            decided = created + self.expo(4 * HOUR)
            status = Status.NOT_ACCEPTED if decided <= now else Status.REGISTERED
            self.touch(decided)
            stages = [self.stage(received, created)]
        elif (accepted := created + self.expo(2 * HOUR)) > now:
            status = Status.REGISTERED
            stages = [self.stage(received, created)]
        else:
            accepted_at = accepted
            self.touch(accepted)
            stages = self._climb(chain, received, created, accepted, risk)
            last = stages[-1]
            if last.end is None or last.end > now:
                status = self._working_status(last)
            else:
                status, resolved_at, closed_at = self._close(last)
                if closed_at is not None:
                    status, reopened = self._follow_up(pk, chain, last, closed_at, 0, rows)
                    if reopened is not None:
                        # 不满意: reopened (重办) at the same level for a second cycle.
                        reopen_count = 1
                        stages.append(reopened)
                        if reopened.end > now:
                            status = self._working_status(reopened)
                            resolved_at = closed_at = None
                        else:
                            status, resolved_at, closed_at = self._close(reopened)
                            if closed_at is not None:
                                status, _again = self._follow_up(
                                    pk, chain, reopened, closed_at, 1, rows
                                )

        last = stages[-1]
        height = last.height
        open_now = closed_at is None and status != Status.NOT_ACCEPTED
        accepted = accepted_at is not None
        level_end = now if open_now or last.end is None else min(last.end, now)
        is_overdue = accepted and open_now and now >= last.due_at
        was_overdue = accepted and any(
            min(s.end or now, now) >= s.due_at for s in stages if s.end or s is last
        )
        warned_at = last.warn_at if accepted and last.warn_at <= level_end else None
        self.touch(warned_at)
        mediation_at = next(
            (s.mediation for s in stages if s.mediation is not None and s.mediation <= now), None
        )
        dispatched = [s for s in stages if s.dispatched is not None and s.dispatched <= now]
        top = max(s.height for s in stages)
        if closed_at is not None:
            closed_on_time = _bool(closed_at // DAY <= last.deadline)
            handling = str(calendar.workdays_between(created // DAY, closed_at // DAY))
        else:
            closed_on_time = handling = NULL
        supervised = accepted and min(last.end or now, now) >= last.due_at  # 督办 at this level
        version = 2 + 2 * len(stages) + len(dispatched) + 2 * len(rows) + 4 * bool(closed_at)

        stats[_RECEIVED[received]] += 1
        if open_now:
            stats["open"] += 1
            stats["overdue_now"] += is_overdue
        if accepted:
            stats["accepted"] += 1
            stats[_TOP[top]] += 1
            stats["climbed"] += top > received
            if resolved_at is not None:
                stats["resolved"] += 1
                stats[_RESOLVED[height]] += 1
        stats["follow_ups"] += len(rows)

        text = calendar.text
        current = str(chain[height])
        category_id, summary = category
        disputes.append(
            "\t".join(
                (
                    str(pk),
                    f"{BENCH_PREFIX}{pk:010d}",
                    self.context.access_code_hash,
                    channel,
                    str(category_id),
                    risk,
                    request_type,
                    summary,
                    "",  # description
                    text(created - self.expo(3 * DAY)),  # occurred_at
                    str(chain[VILLAGE]),
                    "",  # address
                    str(chain[received]),
                    current,
                    HEIGHTS[height],
                    status,
                    current if dispatched else NULL,
                    text(dispatched[-1].dispatched) if dispatched else NULL,
                    FALSE,  # designated
                    str(sum(1 for s in dispatched if s.returned)),
                    str(sum(1 for s in stages[1:] if not s.reopened)),  # escalation_count
                    str(reopen_count),
                    _bool(is_overdue),
                    _bool(supervised),
                    FALSE,  # is_extended
                    _bool(rnd() < P_CONFIDENTIAL),
                    text(last.start),
                    calendar.local_dates[last.deadline],
                    str(LIMIT_WORKDAYS[height]),
                    text(last.due_at),
                    text(last.warn_at),
                    NULL if warned_at is None else text(warned_at),
                    NULL if closed_at is None else text(closed_at),
                    _int_or_null(chain[PROVINCE]),
                    _int_or_null(chain[CITY]),
                    _int_or_null(chain[COUNTY]),
                    _int_or_null(chain[TOWNSHIP]),
                    HEIGHTS[received],
                    HEIGHTS[top],
                    NULL if accepted_at is None else text(accepted_at),
                    NULL if mediation_at is None else text(mediation_at),
                    NULL if resolved_at is None else text(resolved_at),
                    "" if resolved_at is None else HEIGHTS[height],
                    closed_on_time,
                    handling,
                    _bool(was_overdue),
                    str(len(dispatched)),
                    _bool(rnd() < P_REPEAT),
                    FALSE,  # handled_elsewhere: every stage's center is on the case's path
                    "0",  # no events are generated: the chain has no anchor to check
                    "",
                    str(version),
                    text(created),
                    text(self.touched),
                )
            )
        )
        disputes.append("\n")
        follow_ups.extend(rows)

    def _climb(
        self, chain: tuple, received: int, created: int, accepted: int, risk: str
    ) -> list[_Stage]:
        """The levels an accepted case goes through until it is settled, closed or stuck, or
        until now."""
        rnd, now = self.rng.random, self.now
        required = _present(chain, RISK_MIN_HEIGHT[risk])
        stuck = rnd() < P_STUCK  # never settled: open (and overdue) at its first proper level
        height, start, begin, stages = received, created, accepted, []
        while True:
            stage = self.stage(height, start)
            stages.append(stage)
            self.touch(start)
            above = _above(chain, height)
            if height < required and above is not None:
                # Risk beyond this level's remit: sent up at once, without mediation.
                stage.end, stage.outcome = begin + self.expo(6 * HOUR), "up"
            elif stuck:
                stage.outcome, stage.mediation = "stuck", begin + self.expo(2 * DAY)
            else:
                r = rnd()
                due_at = stage.due_at
                if r < P_OVERDUE[height]:
                    if above is not None and height < CITY and rnd() < P_AUTO_ESCALATE:
                        # The deadline watch sends it up just after the limit.
                        stage.end, stage.outcome = due_at + self.expo(HOUR), "up"
                    else:
                        # Supervised (督办) where it is, and settled late.
                        stage.end, stage.outcome = due_at + self.expo(3 * DAY), "agree"
                elif r < P_OVERDUE[height] + P_FAIL_UP[height] and above is not None:
                    stage.end, stage.outcome = self._within(begin, due_at, height), "up"
                elif r < P_OVERDUE[height] + P_FAIL_UP[height] + P_FAIL_CLOSE[height]:
                    stage.end, stage.outcome = self._within(begin, due_at, height), "fail"
                else:
                    stage.end, stage.outcome = self._within(begin, due_at, height), "agree"
                stage.mediation = begin + int((stage.end - begin) * rnd() * 0.5)
                if rnd() < P_DISPATCH[height]:
                    stage.dispatched = begin + int((stage.mediation - begin) * rnd())
                    stage.returned = rnd() < P_RETURN
            self.touch(stage.mediation)
            self.touch(stage.dispatched)
            if stage.outcome != "up" or stage.end > now:
                return stages
            height, start = above, stage.end
            begin = start

    def _within(self, begin: int, due_at: int, height: int) -> int:
        """When a case settled (or failed) within the limit at `height` leaves it."""
        end = begin + self.expo(MEAN_DAYS[height] * DAY) + 600
        if end >= due_at:
            end = begin + int(max(0, due_at - begin - HOUR) * self.rng.random()) + 600
        return end

    def _working_status(self, stage: _Stage) -> str:
        now = self.now
        if stage.mediation is not None and stage.mediation <= now:
            return Status.IN_MEDIATION
        if stage.dispatched is not None and stage.dispatched <= now:
            return Status.RETURNED if stage.returned else Status.SIGNED
        return Status.ACCEPTED

    def _close(self, stage: _Stage) -> tuple[str, int | None, int | None]:
        """A stage that ended by now with an agreement (调解成功) or a failure: (status,
        resolved_at, closed_at) now; closed a few hours later."""
        resolved_at = stage.end if stage.outcome == "agree" else None
        self.touch(stage.end)
        closing = stage.end + self.expo(4 * HOUR)
        if closing > self.now:
            return (Status.AGREED if resolved_at else Status.FAILED), resolved_at, None
        self.touch(closing)
        return Status.CLOSED, resolved_at, closing

    def _follow_up(
        self, pk: int, chain: tuple, stage: _Stage, closed_at: int, cycle: int, rows: list
    ) -> tuple[str, _Stage | None]:
        """The follow-up after a closure: the case's status now, and the reopened stage if
        the resident was not satisfied (first cycle only)."""
        calendar, now, rnd = self.calendar, self.now, self.rng.random
        start_day = calendar.add_workdays(closed_at // DAY, FOLLOW_UP_AFTER_WORKDAYS)
        started = start_day * DAY + 9 * HOUR + int(rnd() * 8 * HOUR)
        if started > now:
            return Status.CLOSED, None
        self.touch(started)
        due_day = calendar.add_workdays(start_day, FOLLOW_UP_ANSWER_WORKDAYS)
        r = rnd()
        rating = next(value for value, share in RATINGS if r < share)
        if cycle and rating == Satisfaction.UNSATISFIED:
            rating = Satisfaction.BASICALLY_SATISFIED
        if rating is None:
            ended = (due_day + 1) * DAY + self.expo(HOUR)  # marked by the follow-up job
        else:
            ended = started + int(((due_day + 1) * DAY - started) * rnd() ** 2)
        text = calendar.text
        reopened = None
        if ended > now:
            fields = (FollowUpStatus.OPEN, "", NULL, NULL)
            status = Status.FOLLOW_UP
        else:
            self.touch(ended)
            if rating is None:
                fields = (FollowUpStatus.UNREACHABLE, "", NULL, text(ended))
                status = Status.UNREACHABLE
            else:
                fields = (FollowUpStatus.ANSWERED, rating, text(ended), text(ended))
                status = Status.SATISFIED
            if rating == Satisfaction.UNSATISFIED:
                reopened = self.stage(stage.height, ended)
                reopened.end = self._within(ended, reopened.due_at, stage.height)
                reopened.outcome, reopened.reopened = "agree", True
                reopened.mediation = ended + int((reopened.end - ended) * rnd() * 0.5)
                self.touch(reopened.mediation)
            elif ended + ARCHIVE_AFTER_DAYS * DAY <= now:
                status = Status.ARCHIVED
                self.touch(ended + ARCHIVE_AFTER_DAYS * DAY)
        status_text, rating_text, answered, ended_text = fields
        rows.append(
            "\t".join(
                (
                    str(pk),
                    str(cycle),
                    str(chain[stage.height]),
                    status_text,
                    calendar.local_dates[due_day],
                    rating_text,
                    "",  # comment
                    answered,
                    ended_text,
                    text(started),
                    _int_or_null(chain[CITY]),
                    _int_or_null(chain[COUNTY]),
                    _int_or_null(chain[TOWNSHIP]),
                    str(chain[VILLAGE]),
                )
            )
            + "\n"
        )
        return status, reopened


def _present(chain: tuple, height: int) -> int:
    """`height`, or the nearest height above it where the chain has a unit (or, in a tree
    with nothing above, the highest it has)."""
    for h in range(height, len(chain)):
        if chain[h] is not None:
            return h
    return max(h for h in range(len(chain)) if chain[h] is not None)


def _above(chain: tuple, height: int) -> int | None:
    """The next height above `height` where the chain has a unit (None at the top)."""
    for h in range(height + 1, len(chain)):
        if chain[h] is not None:
            return h
    return None
