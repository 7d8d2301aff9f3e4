{#
    Who moved the miss: for each department, period and the KPI it held, the
    gap between actual and plan split into the factors of the KPI chain,
        log(N_k / plan_k) = sum_i log(f_i / p_i),
    one row per factor, each owned by a department (seed funnel_factors).
    The plan of each stage comes from its target where one exists (seed
    department_targets, spread onto the period), otherwise from the plan of
    the previous stage times that factor's trailing baseline (geometric mean
    over the last plan_baseline_periods complete periods); lead volume without
    a target uses its own baseline. The log parts are also expressed in KPI
    units (gap_part_in_kpi_units), proportionally to their logs, so that they
    add up to actual - plan: "of the 40 missing deals, 25 came from lead volume".
#}
{%- set baseline_periods = validated_var('plan_baseline_periods', type='integer') -%}
{%- set chain = funnel_stage_columns() -%}

with

periods as (

    select * from {{ ref('fct_funnel_periods') }}
    where breakdown_dimension = 'total'

),

targets as (

    select * from {{ ref('fct_targets_by_period') }}
    where target_owner != 'KGI'

),

kpi_periods as (

    select * from {{ ref('fct_department_kpi_periods') }}

),

factors as (

    select * from {{ ref('funnel_factors') }}

),

stage_targets as (

    -- departments sharing a stage share its target; if they differ, the mean
    select
        {%- for stage, column in chain %}
            avg(case when kpi_stage = '{{ stage }}' then target_value end) as {{ stage }}_target,
        {%- endfor %}
        period_start_date
    from targets
    group by period_start_date

),

logged as (

    select
        periods.period_start_date,
        periods.is_complete_period,
        {%- for stage, column in chain %}
            cast(periods.{{ column }} as {{ type_double() }}) as {{ stage }}_actual,
            {{ safe_ln('periods.' ~ column) }} as {{ stage }}_log,
            stage_targets.{{ stage }}_target,
        {%- endfor %}
        row_number() over (order by periods.period_start_date) as period_index
    from periods
    left join stage_targets
        on periods.period_start_date = stage_targets.period_start_date

),

baselines as (

    select
        {%- for stage, column in chain %}
            {%- set factor_log = stage ~ '_log' if loop.first else '(' ~ stage ~ '_log - ' ~ chain[loop.index0 - 1][0] ~ '_log)' %}
            -- trailing geometric mean of the factor over complete periods only, and
            -- only once the whole baseline window has history (no plan from ramp-up months)
            case
                when count(case when is_complete_period then {{ factor_log }} end) over (
                        order by period_index
                        rows between {{ baseline_periods }} preceding and 1 preceding
                    ) = {{ baseline_periods }}
                    then avg(case when is_complete_period then {{ factor_log }} end) over (
                            order by period_index
                            rows between {{ baseline_periods }} preceding and 1 preceding
                        )
            end as {{ stage }}_baseline_log_factor,
        {%- endfor %}
        *
    from logged

),

planned as (

    select
        baselines.*,
        {%- set plan_expressions = [] %}
    {%- for stage, column in chain %}
        {%- if loop.first %}
            {%- set plan_expression = 'coalesce(' ~ stage ~ '_target, exp(' ~ stage ~ '_baseline_log_factor))' %}
        {%- else %}
            {%- set plan_expression = 'coalesce(' ~ stage ~ '_target, ' ~ plan_expressions[-1] ~ ' * exp(' ~ stage ~ '_baseline_log_factor))' %}
        {%- endif %}
        {%- do plan_expressions.append(plan_expression) %}
        {{ plan_expression }} as {{ stage }}_plan,
        case when {{ stage }}_target is not null then 'target' else 'baseline' end as {{ stage }}_plan_source
        {{- "," if not loop.last }}
    {%- endfor %}
    from baselines

),

factor_parts as (

    {%- for stage, column in chain %}
        select
            period_start_date,
            is_complete_period,
            {{ loop.index0 }} as factor_order,
            {{ stage }}_plan_source as plan_source,
            {%- if loop.first %}
                {{ stage }}_actual as factor_actual,
                {{ stage }}_plan as factor_plan,
                {{ stage }}_log - {{ safe_ln(stage ~ '_plan') }} as log_gap_part
            {%- else %}
                {%- set previous = chain[loop.index0 - 1][0] %}
                {{ safe_divide(stage ~ '_actual', previous ~ '_actual') }} as factor_actual,
                {{ safe_divide(stage ~ '_plan', previous ~ '_plan') }} as factor_plan,
                ({{ stage }}_log - {{ previous }}_log)
                - ({{ safe_ln(stage ~ '_plan') }} - {{ safe_ln(previous ~ '_plan') }}) as log_gap_part
            {%- endif %}
        from planned
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

kpi_values as (

    {%- for stage, column in chain %}
        select
            period_start_date,
            '{{ stage }}' as kpi_stage,
            {{ stage }}_actual as kpi_actual,
            {{ stage }}_plan as kpi_plan
        from planned
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

department_parts as (

    select
        kpi_periods.department,
        kpi_periods.period_start_date,
        kpi_periods.kpi_stage,
        factors.factor,
        factors.factor_order,
        factors.owner_department,
        factor_parts.plan_source,
        factor_parts.is_complete_period,
        kpi_values.kpi_actual,
        kpi_values.kpi_plan,
        factor_parts.factor_actual,
        factor_parts.factor_plan,
        factor_parts.log_gap_part,
        {{ safe_ln('kpi_values.kpi_actual') }} - {{ safe_ln('kpi_values.kpi_plan') }} as total_log_gap,
        count(factor_parts.log_gap_part) over (
            partition by kpi_periods.department, kpi_periods.period_start_date
        ) = kpi_factors.factor_order + 1 as is_computable
    from kpi_periods
    inner join factors as kpi_factors
        on kpi_periods.kpi_stage = kpi_factors.kpi_stage
    inner join factors
        on kpi_factors.factor_order >= factors.factor_order
    inner join factor_parts
        on kpi_periods.period_start_date = factor_parts.period_start_date
            and factors.factor_order = factor_parts.factor_order
    inner join kpi_values
        on kpi_periods.period_start_date = kpi_values.period_start_date
            and kpi_periods.kpi_stage = kpi_values.kpi_stage

),

final as (

    select
        department,
        period_start_date,
        kpi_stage,
        factor,
        factor_order,
        owner_department,
        owner_department = department as is_owned_by_department,
        plan_source,
        is_complete_period,
        is_computable,
        kpi_actual,
        kpi_plan,
        kpi_actual - kpi_plan as kpi_gap,
        factor_actual,
        factor_plan,
        case when is_computable then log_gap_part end as log_gap_part,
        case when is_computable then total_log_gap end as total_log_gap,
        case
            when not is_computable then null
            when total_log_gap = 0 then 0
            else (kpi_actual - kpi_plan) * log_gap_part / total_log_gap
        end as gap_part_in_kpi_units
    from department_parts

)

select * from final
