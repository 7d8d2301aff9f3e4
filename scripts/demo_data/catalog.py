"""Static business vocabulary and parameters of the simulated B2B company."""

from __future__ import annotations

import numpy as np

# --- marketing channels (Campaign.Type) -------------------------------------------------------
CHANNELS: tuple[str, ...] = (
    "Webinar",
    "Trade Show",
    "Paid Search",
    "Content",
    "Referral",
    "Email",
    "Partner",
)
CH_WEBINAR, CH_TRADE_SHOW, CH_PAID_SEARCH, CH_CONTENT, CH_REFERRAL, CH_EMAIL, CH_PARTNER = range(7)

#: Lead.LeadSource written for leads sourced by each channel.
LEAD_SOURCES: tuple[str, ...] = CHANNELS

#: Share of new leads by channel (quantity: Paid Search and Content lead, Referral is small).
CHANNEL_SHARE = np.array([0.12, 0.09, 0.30, 0.22, 0.05, 0.14, 0.08])

#: Base lead -> appointment probability by channel (quality: Referral best, Content worst).
CHANNEL_APPOINTMENT_BASE = np.array([0.27, 0.37, 0.17, 0.14, 0.62, 0.19, 0.41])

#: Cost per lead used to budget campaigns (USD), and a fixed cost per child campaign.
CHANNEL_COST_PER_LEAD = np.array([150.0, 650.0, 110.0, 45.0, 220.0, 35.0, 260.0])
CHANNEL_FIXED_COST = np.array([2_500.0, 25_000.0, 1_500.0, 800.0, 1_000.0, 400.0, 3_000.0])

#: Expected response rate (percent) by channel.
CHANNEL_EXPECTED_RESPONSE = np.array([28.0, 14.0, 2.5, 6.0, 40.0, 3.0, 10.0])

#: Channels of the extra (non-sourcing) campaign responses of existing leads.
RESPONSE_CHANNEL_SHARE = np.array([0.30, 0.05, 0.05, 0.25, 0.0, 0.30, 0.05])
#: Channels of the non-responding memberships (invites that were never answered).
NON_RESPONSE_CHANNEL_SHARE = np.array([0.35, 0.05, 0.0, 0.0, 0.0, 0.60, 0.0])

#: Member status of a response, by channel.
RESPONDED_STATUS: tuple[str, ...] = (
    "Attended",
    "Visited Booth",
    "Responded",
    "Downloaded",
    "Responded",
    "Clicked",
    "Responded",
)

# --- firmographics ----------------------------------------------------------------------------
INDUSTRIES: tuple[str, ...] = (
    "Software",
    "Manufacturing",
    "Financial Services",
    "Healthcare",
    "Retail",
    "Education",
    "Government",
    "Professional Services",
)

#: How well each industry fits the ideal customer profile (0..1).
INDUSTRY_FIT = np.array([1.0, 0.62, 0.92, 0.68, 0.42, 0.30, 0.25, 0.85])

#: Industry mix of each channel's leads (rows: channels, columns: INDUSTRIES).
CHANNEL_INDUSTRY_MIX = np.array(
    [
        [0.26, 0.12, 0.16, 0.12, 0.08, 0.08, 0.06, 0.12],  # Webinar
        [0.20, 0.22, 0.14, 0.14, 0.08, 0.04, 0.06, 0.12],  # Trade Show
        [0.14, 0.12, 0.08, 0.10, 0.20, 0.18, 0.08, 0.10],  # Paid Search
        [0.16, 0.10, 0.10, 0.10, 0.14, 0.20, 0.10, 0.10],  # Content
        [0.36, 0.08, 0.24, 0.08, 0.04, 0.02, 0.02, 0.16],  # Referral
        [0.20, 0.14, 0.14, 0.12, 0.12, 0.10, 0.06, 0.12],  # Email
        [0.28, 0.14, 0.18, 0.10, 0.06, 0.04, 0.04, 0.16],  # Partner
    ]
)

#: Employee count ~ log-normal: median and log-sd by channel.
CHANNEL_EMPLOYEES_MEDIAN = np.array([260.0, 700.0, 35.0, 70.0, 650.0, 160.0, 800.0])
CHANNEL_EMPLOYEES_LOG_SD = np.array([1.5, 1.3, 1.5, 1.6, 1.1, 1.5, 1.2])
EMPLOYEES_MIN, EMPLOYEES_MAX = 1, 50_000

#: Size fit: best between ~200 and ~5000 employees (log10 centre, log10 width).
SIZE_FIT_CENTRE, SIZE_FIT_WIDTH = 3.0, 0.85

# Countries and the currency they usually trade in.
COUNTRIES: tuple[str, ...] = (
    "United States",
    "Canada",
    "United Kingdom",
    "Germany",
    "France",
    "Netherlands",
    "Japan",
    "Australia",
)
COUNTRY_SHARE = np.array([0.56, 0.06, 0.10, 0.08, 0.05, 0.03, 0.06, 0.06])
REGIONS: tuple[str, ...] = ("AMER", "AMER", "EMEA", "EMEA", "EMEA", "EMEA", "APAC", "APAC")

# --- currencies -------------------------------------------------------------------------------
CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "JPY")
CURRENCY_RATE = np.array([1.0, 0.92, 0.79, 150.0])  # units per USD
CURRENCY_DECIMALS = np.array([2, 2, 2, 0])
#: Local currency of each country (index into CURRENCIES) and how often deals use it.
COUNTRY_CURRENCY = np.array([0, 0, 2, 1, 1, 1, 3, 0])
LOCAL_CURRENCY_SHARE = 0.88

# --- people -----------------------------------------------------------------------------------
FIRST_NAMES: tuple[str, ...] = (
    "Aiko",
    "Alex",
    "Amelia",
    "Ana",
    "Andrew",
    "Anna",
    "Ben",
    "Carla",
    "Chen",
    "Chloe",
    "Daniel",
    "David",
    "Elena",
    "Emily",
    "Emma",
    "Felix",
    "Grace",
    "Hannah",
    "Haruto",
    "Isabel",
    "Jack",
    "James",
    "Jan",
    "Jonas",
    "Julia",
    "Kenji",
    "Laura",
    "Leon",
    "Liam",
    "Lucas",
    "Maria",
    "Mark",
    "Mia",
    "Michael",
    "Nina",
    "Noah",
    "Olivia",
    "Omar",
    "Paul",
    "Priya",
    "Rachel",
    "Raj",
    "Sakura",
    "Samuel",
    "Sara",
    "Sophie",
    "Thomas",
    "Tom",
    "Yuki",
    "Zoe",
)
LAST_NAMES: tuple[str, ...] = (
    "Adams",
    "Bauer",
    "Becker",
    "Brown",
    "Campbell",
    "Clarke",
    "Davies",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Green",
    "Hall",
    "Hoffmann",
    "Ito",
    "Jansen",
    "Johnson",
    "Kato",
    "Khan",
    "Kim",
    "Klein",
    "Kobayashi",
    "Lambert",
    "Lee",
    "Lopez",
    "Martin",
    "Meyer",
    "Miller",
    "Moreau",
    "Morgan",
    "Mueller",
    "Murphy",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Patel",
    "Peters",
    "Roberts",
    "Rossi",
    "Sato",
    "Schmidt",
    "Schneider",
    "Smith",
    "Suzuki",
    "Tanaka",
    "Taylor",
    "Thompson",
    "Visser",
    "Walker",
    "Weber",
    "White",
    "Wilson",
    "Wright",
    "Yamamoto",
    "Young",
)
LEAD_TITLES: tuple[str, ...] = (
    "CEO",
    "CFO",
    "CTO",
    "COO",
    "VP Sales",
    "VP Marketing",
    "VP Engineering",
    "Head of Operations",
    "Head of Revenue Operations",
    "IT Director",
    "Finance Director",
    "Marketing Manager",
    "Sales Manager",
    "Operations Manager",
    "Data Analyst",
    "Business Analyst",
    "Software Engineer",
    "Consultant",
    "Project Manager",
    "Intern",
)
#: Relative frequency of each title in the lead base.
LEAD_TITLE_WEIGHT = np.array(
    [2, 2, 3, 2, 4, 4, 4, 5, 4, 6, 4, 8, 8, 7, 7, 6, 7, 5, 6, 2], dtype=np.float64
)

# --- company names ----------------------------------------------------------------------------
COMPANY_HEADS: tuple[str, ...] = (
    "Acme",
    "Apex",
    "Arc",
    "Blue",
    "Bright",
    "Cedar",
    "Clear",
    "Copper",
    "Crest",
    "Delta",
    "Eagle",
    "Ever",
    "Falcon",
    "First",
    "Granite",
    "Green",
    "Harbor",
    "Iron",
    "Lake",
    "Maple",
    "Meridian",
    "Nova",
    "Oak",
    "Orbit",
    "Pine",
    "Pioneer",
    "Prime",
    "Quantum",
    "River",
    "Silver",
    "Solar",
    "Stone",
    "Summit",
    "True",
    "Union",
    "Vertex",
    "West",
    "North",
    "Zen",
    "Alpine",
)
COMPANY_TAILS: tuple[str, ...] = (
    "bridge",
    "field",
    "gate",
    "line",
    "point",
    "ridge",
    "rock",
    "side",
    "stone",
    "view",
    "wave",
    "way",
    "wood",
    "works",
    "peak",
    "port",
    "light",
    "mark",
    "star",
    "vale",
)
#: Industry-flavoured last word of company names (one list per industry).
COMPANY_NOUNS: tuple[tuple[str, ...], ...] = (
    ("Software", "Labs", "Cloud", "Systems", "Digital"),
    ("Industries", "Manufacturing", "Components", "Machinery", "Plastics"),
    ("Capital", "Financial", "Bank", "Insurance", "Investments"),
    ("Health", "Medical", "Clinics", "Pharma", "Care"),
    ("Retail", "Stores", "Brands", "Outfitters", "Market"),
    ("Academy", "College", "Learning", "Schools", "Institute"),
    ("County", "Agency", "Authority", "Council", "Municipality"),
    ("Consulting", "Advisors", "Associates", "Partners", "Legal"),
)

# --- lead handling (Inside Sales) -------------------------------------------------------------
LEAD_STATUSES: tuple[str, ...] = ("Open", "Working", "Nurture", "Qualified", "Disqualified")
ST_OPEN, ST_WORKING, ST_NURTURE, ST_QUALIFIED, ST_DISQUALIFIED = range(5)
RATINGS: tuple[str, ...] = ("Hot", "Warm", "Cold")
DISQUALIFICATION_REASONS: tuple[str, ...] = (
    "Not ICP",
    "No Budget",
    "Student or Job Seeker",
    "Competitor",
    "Unreachable",
)
HANDLING_TYPES: tuple[str, ...] = ("Call", "Email")
#: Probability that a non-junk lead is ever handled by IS.
HANDLING_RATE = 0.85
#: First handling after k business days, k = 0..5.
HANDLING_DELAY_WEIGHTS = np.array([0.34, 0.30, 0.15, 0.10, 0.07, 0.04])
OTHER_TASK_SUBJECTS: tuple[str, ...] = (
    "Research company",
    "Update lead details",
    "Review inbound lead",
    "Send internal note",
)

# --- opportunities (Field Sales) ---------------------------------------------------------------
STAGES: tuple[str, ...] = (
    "Appointment",
    "Legacy Discovery",
    "Qualification",
    "Proposal",
    "Negotiation",
    "Closed Won",
    "Closed Lost",
)
SG_APPOINTMENT, SG_LEGACY, SG_QUALIFICATION, SG_PROPOSAL, SG_NEGOTIATION, SG_WON, SG_LOST = range(7)
STAGE_PROBABILITY = np.array([10.0, 10.0, 20.0, 50.0, 75.0, 100.0, 0.0])
FORECAST_CATEGORIES: tuple[str, ...] = ("Pipeline", "Best Case", "Commit", "Closed", "Omitted")
STAGE_FORECAST = np.array([0, 0, 0, 1, 2, 3, 4])
LOSS_REASONS: tuple[str, ...] = (
    "Price",
    "Lost to Competitor",
    "No Budget",
    "No Decision",
    "Timing",
    "Product Fit",
    "Poor Follow-up",
)
#: Loss reasons on the customer's side (the others are controllable by Field Sales).
CUSTOMER_SIDE_LOSS = np.array([False, False, True, True, True, True, False])
#: Loss reason mix when a deal dies before pipeline / inside pipeline.
EARLY_LOSS_REASON_MIX = np.array([0.04, 0.06, 0.22, 0.26, 0.16, 0.18, 0.08])
PIPELINE_LOSS_REASON_MIX = np.array([0.26, 0.24, 0.12, 0.14, 0.10, 0.08, 0.06])

#: Funnel probabilities (before month factors and fit).
PIPELINE_BASE = 0.55
WIN_BASE = 0.35
MEDIAN_DEAL_USD = 25_000.0

# --- seasonality of lead volume by calendar month (Jan..Dec) ----------------------------------
MONTH_SEASONALITY = np.array([0.95, 1.0, 1.15, 1.0, 1.0, 0.95, 0.9, 0.68, 1.15, 1.2, 1.15, 0.72])
