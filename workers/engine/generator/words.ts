/** Small fixed dictionaries the datasets pick their strings from. */

export const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'IN', 'BR', 'JP', 'CA', 'AU', 'NL', 'ES', 'MX'] as const;
export const COUNTRY_WEIGHTS = [30, 10, 9, 7, 12, 8, 6, 5, 4, 3, 3, 3];

export const REFERRERS = [
  'direct',
  'google.com',
  'bing.com',
  'duckduckgo.com',
  'news.ycombinator.com',
  'reddit.com',
  'twitter.com',
  'newsletter',
] as const;
export const REFERRER_WEIGHTS = [35, 30, 5, 4, 6, 8, 7, 5];

export const DEVICES = ['mobile', 'desktop', 'tablet'] as const;
export const DEVICE_WEIGHTS = [55, 40, 5];

/** Fixed pages first: [path, category, title]. */
export const FIXED_PAGES: readonly (readonly [string, string, string])[] = [
  ['/', 'home', 'Home'],
  ['/search', 'search', 'Search'],
  ['/cart', 'checkout', 'Shopping cart'],
  ['/checkout', 'checkout', 'Checkout'],
  ['/login', 'account', 'Sign in'],
  ['/account', 'account', 'Your account'],
  ['/help', 'support', 'Help centre'],
  ['/blog', 'content', 'Blog'],
];

export const ADJECTIVES = [
  'Blue',
  'Classic',
  'Compact',
  'Deluxe',
  'Eco',
  'Golden',
  'Handmade',
  'Light',
  'Modern',
  'Nordic',
  'Organic',
  'Portable',
  'Rustic',
  'Smart',
  'Vintage',
  'Wireless',
] as const;

/** [noun, category, typical price in dollars]. */
export const NOUNS: readonly (readonly [string, string, number])[] = [
  ['Kettle', 'kitchen', 40],
  ['Teapot', 'kitchen', 25],
  ['Knife Set', 'kitchen', 80],
  ['Skillet', 'kitchen', 45],
  ['Lamp', 'home', 35],
  ['Cushion', 'home', 20],
  ['Rug', 'home', 120],
  ['Clock', 'home', 30],
  ['Headphones', 'electronics', 150],
  ['Speaker', 'electronics', 90],
  ['Charger', 'electronics', 25],
  ['Keyboard', 'electronics', 70],
  ['Backpack', 'outdoor', 60],
  ['Tent', 'outdoor', 200],
  ['Water Bottle', 'outdoor', 15],
  ['Jacket', 'clothing', 110],
  ['Scarf', 'clothing', 25],
  ['Sneakers', 'clothing', 85],
  ['Notebook', 'office', 8],
  ['Pen', 'office', 4],
  ['Desk Chair', 'office', 180],
  ['Puzzle', 'toys', 18],
  ['Board Game', 'toys', 35],
  ['Kite', 'toys', 22],
];

export const BLOG_TOPICS = [
  'streaming',
  'watermarks',
  'windows',
  'joins',
  'late data',
  'backpressure',
  'exactly-once',
  'state',
] as const;

/** World cities, pairwise hundreds of kilometres or more apart: [city, latitude, longitude]. */
export const ATM_CITIES: readonly (readonly [string, number, number])[] = [
  ['New York', 40.7128, -74.006],
  ['Chicago', 41.8781, -87.6298],
  ['Los Angeles', 34.0522, -118.2437],
  ['Houston', 29.7604, -95.3698],
  ['Toronto', 43.6532, -79.3832],
  ['Mexico City', 19.4326, -99.1332],
  ['São Paulo', -23.5505, -46.6333],
  ['London', 51.5074, -0.1278],
  ['Paris', 48.8566, 2.3522],
  ['Berlin', 52.52, 13.405],
  ['Madrid', 40.4168, -3.7038],
  ['Rome', 41.9028, 12.4964],
  ['Stockholm', 59.3293, 18.0686],
  ['Istanbul', 41.0082, 28.9784],
  ['Cairo', 30.0444, 31.2357],
  ['Lagos', 6.5244, 3.3792],
  ['Mumbai', 19.076, 72.8777],
  ['Singapore', 1.3521, 103.8198],
  ['Tokyo', 35.6762, 139.6503],
  ['Sydney', -33.8688, 151.2093],
];

export const SITES = ['plant-north', 'plant-south', 'warehouse-east', 'warehouse-west', 'office-hq', 'lab'] as const;

/** [device kind, typical temperature °C, daily swing °C, typical humidity %]. */
export const SENSOR_KINDS: readonly (readonly [string, number, number, number])[] = [
  ['thermostat', 21, 1.5, 45],
  ['freezer', -18, 0.5, 30],
  ['greenhouse', 27, 3, 75],
  ['server-room', 19, 0.5, 40],
  ['outdoor', 12, 3, 65],
];

export const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Barbara',
  'Carlos',
  'Chen',
  'Dana',
  'Edsger',
  'Fatima',
  'Grace',
  'Hiro',
  'Ines',
  'John',
  'Kofi',
  'Leslie',
  'Maria',
  'Noor',
  'Olga',
  'Priya',
  'Quinn',
  'Ravi',
  'Sofia',
  'Tim',
  'Uma',
  'Vera',
] as const;

export const LAST_NAMES = [
  'Abara',
  'Becker',
  'Castro',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Hopper',
  'Ito',
  'Jensen',
  'Kumar',
  'Lovelace',
  'Mensah',
  'Nakamura',
  'Okafor',
  'Patel',
  'Rossi',
  'Silva',
  'Turing',
  'Walker',
] as const;

export const EMAIL_DOMAINS = ['example.com', 'mail.example', 'inbox.test', 'post.example'] as const;

/** [city, state] pairs in the United States, as in Nexmark. */
export const US_CITIES: readonly (readonly [string, string])[] = [
  ['Phoenix', 'AZ'],
  ['Los Angeles', 'CA'],
  ['San Francisco', 'CA'],
  ['Boise', 'ID'],
  ['Portland', 'OR'],
  ['Bend', 'OR'],
  ['Redmond', 'WA'],
  ['Seattle', 'WA'],
  ['Kent', 'WA'],
  ['Cheyenne', 'WY'],
];

export const AUCTION_DESCRIPTIONS = [
  'Barely used, original box',
  'Mint condition',
  'Minor scratches, works fine',
  'Collector item, rare',
  'Sold as is',
  'Brand new, sealed',
] as const;

/** Channels of a bid: a few named ones, then numbered ones. */
export const NAMED_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'] as const;
