-- The host's own users dimension, from its HR system.
select
    'E-0001' as employee_id,
    'Hanako Yamada' as employee_name
