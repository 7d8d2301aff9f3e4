{#
    The levels the campaign performance is rolled up to, each with the column
    that groups it: the campaign, the top campaign of its hierarchy, and the
    channel. One list for the roll-ups of hand-offs and of performance, so the
    three performance marts are built at the same levels.
#}
{% macro campaign_rollup_levels() %}
    {{ return({'campaign': 'campaign_id', 'top_campaign': 'top_campaign_id', 'channel': 'channel'}) }}
{% endmacro %}
