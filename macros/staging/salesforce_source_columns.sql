{#
    The select that conforms a raw Salesforce table to the contract in
    _salesforce__sources.yml, whatever loader or export produced it:
    - a contract column matches a raw column when both are equal ignoring case
      and underscores, so `converted_opportunity_id` (Fivetran) and
      `ConvertedOpportunityId` (API spelling, Data Loader) both match;
    - the load timestamp (`_fivetran_synced` in the contract) is the first raw
      column found among var salesforce_loaded_at_columns (Fivetran, Airbyte,
      Stitch...), else a typed null;
    - every matched column is cast to the contract type, reading text the way
      exports write it: empty strings are nulls, booleans 'true'/'1'/'false'/'0',
      timestamps as ISO 8601 (an explicit offset is converted to UTC), epoch
      seconds or milliseconds, or the strftime format of var
      salesforce_timestamp_format (dates: salesforce_date_format, else the
      timestamp format); a text value in any other shape stops the compile
      with the table, column, a sample value and the var to set;
    - id columns (`id`, `*_id`): Salesforce's empty id (000000000000000AAA or
      000000000000000) is a null, and a 15-character id gets its 18-character
      form, so references match whichever form each extract carries;
    - an optional column that is absent becomes a typed null; a required column
      that is absent is a compile error naming it;
    - the raw table is the declared source, else a table of the same schema
      whose name matches it ignoring case and underscores (UserRole for
      user_role); an absent table (or one listed in var
      salesforce_absent_tables) is an empty relation of the contract's types,
      logged once; lead and contact cannot both be absent;
    - raw columns the contract does not list (custom *_c fields) are ignored;
    - the source vars, which the sources YAML renders into every raw relation
      without escaping, must be plain identifiers (validate_source_vars): a
      hostile value stops the compile before any SQL runs.
    With id_keys (a select of one text column), only the raw rows whose
    conformed id, '' for none, is among its values: the filter runs on the raw
    rows, so the other columns are conformed for those rows only.
#}
{% macro salesforce_source_select(table_name, id_keys=none) %}
    {%- set contract = salesforce_contract_columns(table_name) -%}
    {%- if not execute -%}
        {{ return('select * from ' ~ source('revenue_funnel_salesforce', table_name)) }}
    {%- endif -%}
    {%- do validate_source_vars() -%}
    {%- set raw_table = salesforce_raw_table(table_name) -%}
    {%- set relation = raw_table.relation -%}
    {%- set raw_columns = raw_table.columns -%}
    {%- if raw_columns | length == 0 -%}
        {%- do salesforce_check_required_tables() -%}
        {%- do log("revenue_funnel: raw table " ~ relation ~ " is absent; " ~ table_name ~ " is built empty.", info=true) -%}
        {%- set typed_nulls = [] -%}
        {%- for column in contract -%}
            {%- do typed_nulls.append('cast(null as ' ~ salesforce_type(column.data_type) ~ ') as ' ~ column.name) -%}
        {%- endfor -%}
        {{ return('select ' ~ typed_nulls | join(', ') ~ ' where 1 = 0') }}
    {%- endif -%}
    {%- set formats = {
        'timestamp': var('salesforce_timestamp_format', none),
        'date': var('salesforce_date_format', none) or var('salesforce_timestamp_format', none),
    } -%}
    {%- set expressions = [] -%}
    {%- for column in contract -%}
        {%- set key = salesforce_raw_column_key(column.name, raw_columns) -%}
        {%- if key is none and column.required -%}
            {{ exceptions.raise_compiler_error(
                "Raw table " ~ relation ~ " has no column '" ~ column.name
                ~ "' (or its API spelling), which the contract marks as required."
            ) }}
        {%- elif key is none -%}
            {%- do expressions.append('cast(null as ' ~ salesforce_type(column.data_type) ~ ')') -%}
        {%- else -%}
            {%- set raw_column = raw_columns[key] -%}
            {%- if column.data_type in formats and raw_column.is_string() and not formats[column.data_type] -%}
                {%- do salesforce_check_text_timestamps(relation, raw_column, column.data_type) -%}
            {%- endif -%}
            {%- do expressions.append(salesforce_conformed_column(column, raw_column, formats.get(column.data_type))) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set select_list = [] -%}
    {%- for column in contract -%}
        {%- do select_list.append(expressions[loop.index0] ~ ' as ' ~ column.name) -%}
    {%- endfor -%}
    {%- set where_clause = [] -%}
    {%- if id_keys is not none -%}
        {%- for column in contract -%}
            {%- if column.name == 'id' -%}
                {%- do where_clause.append("\n    where coalesce(" ~ expressions[loop.index0] ~ ", '') in (" ~ id_keys ~ ")") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('select\n        ' ~ select_list | join(',\n        ') ~ '\n    from ' ~ relation ~ where_clause | join('')) }}
{% endmacro %}


{#-
    The raw table of a contract table, resolved once with its catalog lookup:
    {relation, columns}, the columns keyed by salesforce_column_key. The
    relation is the source as declared, else a table of the same schema whose
    name matches it ignoring case and underscores (an export that named its
    tables after the objects: UserRole, OpportunityHistory). Columns are {}
    when the table is absent or listed in var salesforce_absent_tables.
-#}
{% macro salesforce_raw_table(table_name) %}
    {%- set declared = source('revenue_funnel_salesforce', table_name) -%}
    {%- if not execute or table_name in var('salesforce_absent_tables', []) -%}
        {{ return({'relation': declared, 'columns': {}}) }}
    {%- endif -%}
    {#- the source vars reach the catalog queries below: validate them first -#}
    {%- do validate_source_vars() -%}
    {%- set found = namespace(relation=declared, columns=adapter.get_columns_in_relation(declared)) -%}
    {%- if found.columns | length == 0 -%}
        {%- set listed = dbt.list_relations_without_caching(
            api.Relation.create(database=declared.database, schema=declared.schema)) -%}
        {%- set name_column = 'name' if 'name' in listed.column_names else 'tableName' -%}
        {%- for row in listed.rows
            if salesforce_column_key(row[name_column]) == salesforce_column_key(table_name) -%}
            {%- if loop.first -%}
                {%- set found.relation = api.Relation.create(
                    database=declared.database, schema=declared.schema, identifier=row[name_column]) -%}
                {%- set found.columns = adapter.get_columns_in_relation(found.relation) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set keyed = {} -%}
    {%- for raw_column in found.columns -%}
        {%- do keyed.update({salesforce_column_key(raw_column.name): raw_column}) -%}
    {%- endfor -%}
    {{ return({'relation': found.relation, 'columns': keyed}) }}
{% endmacro %}


{#- True when the raw table exists with at least one column (and is not forced absent). -#}
{% macro salesforce_table_is_present(table_name) %}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(salesforce_raw_table(table_name).columns | length > 0) }}
{% endmacro %}


{#- Persons enter through leads or contacts: a build without either has nothing to count. -#}
{% macro salesforce_check_required_tables() %}
    {%- if not salesforce_table_is_present('lead') and not salesforce_table_is_present('contact') -%}
        {{ exceptions.raise_compiler_error(
            "Neither raw table " ~ source('revenue_funnel_salesforce', 'lead') ~ " nor " ~ source('revenue_funnel_salesforce', 'contact')
            ~ " was found (or both have no columns). Load the Salesforce data there, or set the vars "
            ~ "salesforce_database / salesforce_schema. Run `make inspect` to see what the schema holds."
        ) }}
    {%- endif -%}
{% endmacro %}


{#- The match key of the raw column a contract column reads, or none. -#}
{% macro salesforce_raw_column_key(column_name, raw_columns) %}
    {%- set candidates = var('salesforce_loaded_at_columns') if column_name == '_fivetran_synced' else [column_name] -%}
    {%- for candidate in candidates if salesforce_column_key(candidate) in raw_columns -%}
        {%- if loop.first -%}
            {{ return(salesforce_column_key(candidate)) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{% endmacro %}


{% macro salesforce_column_key(column_name) %}
    {{- return(column_name | lower | replace('_', '')) -}}
{% endmacro %}


{#- One raw column cast to its contract column, reading text as exports write it. -#}
{% macro salesforce_conformed_column(column, raw_column, timestamp_format) %}
    {%- set quoted = adapter.quote(raw_column.name) -%}
    {%- set target_type = salesforce_type(column.data_type) -%}
    {%- set is_text = raw_column.is_string() -%}
    {%- set blank_is_null = 'nullif(trim(' ~ quoted ~ "), '')" if is_text else quoted -%}
    {%- if column.data_type == 'string' and (column.name == 'id' or column.name.endswith('_id')) -%}
        {{ return(salesforce_id('cast(' ~ quoted ~ ' as ' ~ target_type ~ ')')) }}
    {%- elif column.data_type == 'string' -%}
        {{ return("nullif(cast(" ~ quoted ~ " as " ~ target_type ~ "), '')") }}
    {%- elif column.data_type == 'boolean' and is_text -%}
        {{ return(salesforce_text_to_boolean(quoted)) }}
    {%- elif column.data_type == 'boolean' and raw_column.is_numeric() -%}
        {{ return('(' ~ quoted ~ ' <> 0)') }}
    {%- elif column.data_type in ['timestamp', 'date'] -%}
        {%- set instant = salesforce_timestamp_to_utc(quoted, raw_column, timestamp_format) -%}
        {{ return(instant if column.data_type == 'timestamp' else 'cast(' ~ instant ~ ' as date)') }}
    {%- else -%}
        {{ return('cast(' ~ blank_is_null ~ ' as ' ~ target_type ~ ')') }}
    {%- endif -%}
{% endmacro %}


{#-
    A Salesforce id, null for the empty id and the empty string; a 15-character
    (case-sensitive) id gets the 3-character suffix of its 18-character form:
    for each block of 5 characters, the bits of its upper-case letters index
    'A'-'Z', '0'-'5'.
-#}
{% macro salesforce_id(expression) %}
    {%- set blocks = [] -%}
    {%- for block in range(3) -%}
        {%- set bits = [] -%}
        {%- for position in range(5) -%}
            {%- set character = 'substring(' ~ expression ~ ', ' ~ (block * 5 + position + 1) ~ ', 1)' -%}
            {%- do bits.append('case when upper(' ~ character ~ ') = ' ~ character ~ ' and lower(' ~ character ~ ') <> '
                ~ character ~ ' then ' ~ (2 ** position) ~ ' else 0 end') -%}
        {%- endfor -%}
        {%- do blocks.append("substring('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', 1 + " ~ bits | join(' + ') ~ ', 1)') -%}
    {%- endfor -%}
    {{- return(
        "case when " ~ expression ~ " in ('000000000000000AAA', '000000000000000', '') then null"
        ~ ' when length(' ~ expression ~ ') = 15 then ' ~ dbt.concat([expression] + blocks)
        ~ ' else ' ~ expression ~ ' end'
    ) -}}
{% endmacro %}


{#- Text booleans as exports write them; anything else is cast, so an odd value fails loudly. -#}
{% macro salesforce_text_to_boolean(quoted_column) %}
    {%- set value = 'lower(trim(' ~ quoted_column ~ '))' -%}
    {{- return(
        'case when ' ~ value ~ " in ('true', 't', '1', 'yes', 'y') then true"
        ~ ' when ' ~ value ~ " in ('false', 'f', '0', 'no', 'n') then false"
        ~ ' when ' ~ value ~ " = '' then null"
        ~ ' else cast(' ~ quoted_column ~ ' as ' ~ dbt.type_boolean() ~ ') end'
    ) -}}
{% endmacro %}


{#
    A raw timestamp column as a UTC timestamp without time zone (the contract's
    `timestamp`), whatever the loader landed:
      - TIMESTAMPTZ: converted to UTC explicitly, not through the session time zone;
      - a number: epoch seconds, or milliseconds from 1e11 on (year 5138 in seconds);
      - text: empty is null; digits only are epoch seconds or milliseconds; with
        var salesforce_timestamp_format set, a value not starting YYYY-MM-DD is
        parsed with that format; a value ending in an explicit offset (Z,
        +09:00, -0500, +09) is read as that instant and converted to UTC; a
        value without an offset is UTC already (the contract) and is cast as
        it is. A plain cast would drop the offset on DuckDB and Postgres alike
        and keep the local wall-clock time;
      - any other type (TIMESTAMP, DATE): cast.
#}
{% macro salesforce_timestamp_to_utc(quoted_column, raw_column, timestamp_format=none) %}
    {%- set raw_type = (raw_column.dtype or '') | lower -%}
    {%- set target_type = dbt.type_timestamp() -%}
    {%- if 'with time zone' in raw_type or raw_type == 'timestamptz' -%}
        {{- return(salesforce_instant_to_utc(quoted_column)) -}}
    {%- elif raw_column.is_numeric() or raw_column.is_integer() -%}
        {{- return(salesforce_epoch_to_timestamp(quoted_column)) -}}
    {%- elif raw_column.is_string() -%}
        {%- set trimmed = 'trim(' ~ quoted_column ~ ')' -%}
        {%- set offset_patterns = ['%Z', '%z', '%+__:__', '%-__:__', '%+____', '%:__-____', '%+__', '%:__-__'] -%}
        {%- set has_offset -%}
            ({% for pattern in offset_patterns %}{{ trimmed }} like '{{ pattern }}'{{ ' or ' if not loop.last }}{% endfor %})
        {%- endset -%}
        {%- set formatted = '' -%}
        {%- if timestamp_format -%}
            {%- set formatted = ' when ' ~ trimmed ~ " not like '____-__-__%' then "
                ~ salesforce_parse_timestamp(trimmed, timestamp_format) -%}
        {%- endif -%}
        {{- return(
            'case when ' ~ trimmed ~ " = '' then null"
            ~ ' when ' ~ salesforce_is_digits(trimmed) ~ ' then '
            ~ salesforce_epoch_to_timestamp('cast(' ~ trimmed ~ ' as ' ~ dbt.type_bigint() ~ ')')
            ~ formatted
            ~ ' when ' ~ has_offset
            ~ ' then ' ~ salesforce_instant_to_utc('cast(' ~ trimmed ~ ' as ' ~ salesforce_type_timestamptz() ~ ')')
            ~ ' else cast(' ~ trimmed ~ ' as ' ~ target_type ~ ') end'
        ) -}}
    {%- else -%}
        {{- return('cast(' ~ quoted_column ~ ' as ' ~ target_type ~ ')') -}}
    {%- endif -%}
{% endmacro %}


{% macro salesforce_is_digits(expression) %}
    {{- return("translate(" ~ expression ~ ", '0123456789', '') = ''") -}}
{% endmacro %}


{#-
    Stops the compile when a text timestamp column holds a value that is neither
    ISO 8601 nor epoch digits, and no format var is set: a cast would fail with
    the value but without the table, the column or the way out.
-#}
{% macro salesforce_check_text_timestamps(relation, raw_column, data_type='timestamp') %}
    {%- set trimmed = 'trim(' ~ adapter.quote(raw_column.name) ~ ')' -%}
    {%- set sample_query -%}
        select {{ trimmed }} as sample_value
        from {{ relation }}
        where
            {{ trimmed }} <> ''
            and not {{ salesforce_is_digits(trimmed) }}
            and {{ trimmed }} not like '____-__-__%'
        limit 1
    {%- endset -%}
    {%- set samples = run_query(sample_query) -%}
    {%- if samples.rows | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "Raw table " ~ relation ~ ", column " ~ raw_column.name ~ ": the value '" ~ samples.rows[0][0]
            ~ "' is neither an ISO 8601 " ~ data_type ~ " nor epoch seconds or milliseconds. Set the var "
            ~ "salesforce_" ~ data_type ~ "_format to its strftime format, for example "
            ~ "--vars '{salesforce_" ~ data_type ~ "_format: \""
            ~ ('%m/%d/%y %I:%M %p' if data_type == 'timestamp' else '%m/%d/%Y') ~ "\"}'."
        ) }}
    {%- endif -%}
{% endmacro %}


{#- Epoch seconds, or milliseconds from 1e11 on (year 5138 in seconds), as a UTC timestamp. -#}
{% macro salesforce_epoch_to_timestamp(expression) %}
    {%- set milliseconds = 'case when ' ~ expression ~ ' >= 100000000000 then ' ~ expression ~ ' else ' ~ expression ~ ' * 1000 end' -%}
    {{- return(adapter.dispatch('salesforce_epoch_milliseconds_to_timestamp')(milliseconds)) -}}
{% endmacro %}

{% macro default__salesforce_epoch_milliseconds_to_timestamp(milliseconds) %}
    {{- return(salesforce_instant_to_utc('to_timestamp((' ~ milliseconds ~ ') / 1000.0)')) -}}
{% endmacro %}

{% macro spark__salesforce_epoch_milliseconds_to_timestamp(milliseconds) %}
    {{- return('timestamp_millis(cast(' ~ milliseconds ~ ' as bigint))') -}}
{% endmacro %}


{#-
    Text in a strftime format (var salesforce_timestamp_format) as a timestamp,
    read as UTC wall-clock time. Postgres and Spark get the format translated
    to their own pattern language.
-#}
{% macro salesforce_parse_timestamp(expression, strftime_format) %}
    {%- if '\\' in strftime_format or "'" in strftime_format -%}
        {{ exceptions.raise_compiler_error("var salesforce_timestamp_format must not contain quotes or backslashes: " ~ strftime_format) }}
    {%- endif -%}
    {{- return(adapter.dispatch('salesforce_parse_timestamp')(expression, strftime_format)) -}}
{% endmacro %}

{% macro default__salesforce_parse_timestamp(expression, strftime_format) %}
    {{- return("strptime(" ~ expression ~ ", '" ~ strftime_format ~ "')") -}}
{% endmacro %}

{% macro postgres__salesforce_parse_timestamp(expression, strftime_format) %}
    {#- without FM, a field still stops at a separator ('4/3/25'), and '%Y%m%d' keeps its widths -#}
    {%- set pattern = salesforce_translate_format(strftime_format, {
        '%Y': 'YYYY', '%y': 'YY', '%m': 'MM', '%d': 'DD', '%H': 'HH24', '%I': 'HH12',
        '%M': 'MI', '%S': 'SS', '%p': 'AM', '%b': 'Mon', '%f': 'US', '%%': '%',
    }, '"', '"') -%}
    {#- to_timestamp reads the text as session time; back to timestamp, the wall clock is the text's -#}
    {{- return("cast(to_timestamp(" ~ expression ~ ", '" ~ pattern ~ "') as " ~ dbt.type_timestamp() ~ ")") -}}
{% endmacro %}

{% macro spark__salesforce_parse_timestamp(expression, strftime_format) %}
    {%- set pattern = salesforce_translate_format(strftime_format, {
        '%Y': 'yyyy', '%y': 'yy', '%m': 'M', '%d': 'd', '%H': 'H', '%I': 'h',
        '%M': 'mm', '%S': 'ss', '%p': 'a', '%b': 'MMM', '%f': 'SSSSSS', '%%': '%',
    }, "''", "''") -%}
    {{- return("to_timestamp(" ~ expression ~ ", '" ~ pattern ~ "')") -}}
{% endmacro %}


{#- strftime codes -> another engine's pattern; literal letters are quoted so they stay literal -#}
{% macro salesforce_translate_format(strftime_format, codes, quote_open, quote_close) %}
    {%- set translated = namespace(text='', skip=false) -%}
    {%- for position in range(strftime_format | length) -%}
        {%- set character = strftime_format[position] -%}
        {%- if translated.skip -%}
            {%- set translated.skip = false -%}
        {%- elif character == '%' -%}
            {%- set code = strftime_format[position:position + 2] -%}
            {%- if code not in codes -%}
                {{ exceptions.raise_compiler_error(
                    "var salesforce_timestamp_format / salesforce_date_format: the code '" ~ code
                    ~ "' is not supported on this warehouse; use " ~ codes.keys() | join(' ')) }}
            {%- endif -%}
            {%- set translated.text = translated.text ~ codes[code] -%}
            {%- set translated.skip = true -%}
        {%- elif character.isalpha() -%}
            {%- set translated.text = translated.text ~ quote_open ~ character ~ quote_close -%}
        {%- else -%}
            {%- set translated.text = translated.text ~ character -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(translated.text) -}}
{% endmacro %}


{% macro salesforce_instant_to_utc(expression) %}
    {{- return(adapter.dispatch('salesforce_instant_to_utc')(expression)) -}}
{% endmacro %}

{% macro default__salesforce_instant_to_utc(expression) %}
    {{- return('cast((' ~ expression ~ ") at time zone 'UTC' as " ~ dbt.type_timestamp() ~ ')') -}}
{% endmacro %}

{#- Spark's TIMESTAMP is an instant shown in the session time zone (UTC in scripts/load_raw_spark.py): a cast. -#}
{% macro spark__salesforce_instant_to_utc(expression) %}
    {{- return('cast(' ~ expression ~ ' as ' ~ dbt.type_timestamp() ~ ')') -}}
{% endmacro %}


{% macro salesforce_type_timestamptz() %}
    {{- return(adapter.dispatch('salesforce_type_timestamptz')()) -}}
{% endmacro %}

{% macro default__salesforce_type_timestamptz() %}
    {{- return('timestamp with time zone') -}}
{% endmacro %}

{% macro spark__salesforce_type_timestamptz() %}
    {{- return('timestamp') -}}
{% endmacro %}
