-- A department holds one KPI at a time: its assignments' validity ranges
-- (seed department_kpi_assignments) must not overlap.
with

assignments as (

    select * from {{ config_table('department_kpi_assignments') }}

)

select
    earlier.department,
    earlier.kpi_stage as earlier_kpi_stage,
    earlier.valid_to as earlier_valid_to,
    later.kpi_stage as later_kpi_stage,
    later.valid_from as later_valid_from
from assignments as earlier
inner join assignments as later
    on earlier.department = later.department
        and earlier.valid_from < later.valid_from
        and earlier.valid_to >= later.valid_from
