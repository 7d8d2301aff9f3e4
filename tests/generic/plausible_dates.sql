{#
    The rows of a staging model dated outside vars plausible_date_min /
    plausible_date_max, by the model's checks in plausibility_date_checks (its
    funnel dates before the minimum; those dates, the modstamp or the load time
    after the maximum). Left alone they would move the periods: a lead created
    in 1900 opens ~1,500 empty months, a load stamped 2099 pushes the as-of date
    out by 888. Leads created before the minimum are excluded from the funnel
    and timestamps after the maximum never set the as-of date, but an activity
    or a deal dated 1900 is still a milestone of its person: declared with
    severity warn, so the build names the model; audit_funnel_exclusions counts
    every row.
#}
{% test plausible_dates(model) %}

{#- parsing renders the test without its model: nothing to look up yet -#}
{%- set matches = plausibility_date_checks() | selectattr('model', 'equalto', model.identifier) | list
    if execute else [{'before_min': 'false', 'after_max': 'false'}] -%}
{%- if matches | length != 1 -%}
    {{ exceptions.raise_compiler_error(
        "plausible_dates: " ~ model.identifier ~ " has no entry in macros/validation/plausibility_date_checks.sql"
    ) }}
{%- endif %}

select *
from {{ model }}
where {{ matches[0].before_min }} or {{ matches[0].after_max }}

{% endtest %}
