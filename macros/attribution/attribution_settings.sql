{#
    The vars of campaign attribution, validated, each with its default here
    (dbt_project.yml does not list them):
      attribution_lookback_days (integer >= 0, default 365): a touch counts for
        a conversion when it happened at most this many days before it;
      attribution_time_decay_half_life_days (number > 0, default 7): the
        half-life of the time-decay model;
      campaign_expectation_trailing_periods (integer >= 1, default 6): periods
        (funnel_period_grain) of a channel's history averaged when the seed
        campaign_expectations has no expected appointment rate for it.
#}
{% macro attribution_settings() %}
    {%- set lookback_days = validated_var('attribution_lookback_days', type='integer', default=365) -%}
    {%- set half_life_days = validated_var('attribution_time_decay_half_life_days', type='number', default=7) -%}
    {%- set trailing_periods = validated_var('campaign_expectation_trailing_periods', type='integer', default=6) -%}
    {%- if lookback_days < 0 -%}
        {{ exceptions.raise_compiler_error("var 'attribution_lookback_days' must be 0 or more, got " ~ lookback_days) }}
    {%- endif -%}
    {%- if half_life_days <= 0 -%}
        {{ exceptions.raise_compiler_error(
            "var 'attribution_time_decay_half_life_days' must be above 0, got " ~ half_life_days
        ) }}
    {%- endif -%}
    {%- if trailing_periods < 1 -%}
        {{ exceptions.raise_compiler_error(
            "var 'campaign_expectation_trailing_periods' must be 1 or more, got " ~ trailing_periods
        ) }}
    {%- endif -%}
    {{ return({
        'lookback_days': lookback_days | int,
        'half_life_days': half_life_days,
        'trailing_periods': trailing_periods | int,
    }) }}
{% endmacro %}
