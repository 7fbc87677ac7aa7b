/**
 * Word lists for realistic-looking fake data. Pure data: the generators in
 * rows.ts combine them with the seeded PRNG.
 */

export interface CategoryTheme {
  name: string;
  /** Things sold in this category, combined with an adjective and a material. */
  nouns: readonly string[];
  /** Typical price range in whole currency units, so a sofa costs more than socks. */
  price: readonly [min: number, max: number];
  /** False where "Navy Olive Oil" would read as a joke. */
  colours?: boolean;
}

/** Twenty themes: the seed uses at most this many categories. */
export const CATEGORY_THEMES: readonly CategoryTheme[] = [
  {
    name: 'Kitchen',
    nouns: [
      'Skillet',
      'Chef Knife',
      'Cutting Board',
      'Saucepan',
      'Colander',
      'Whisk',
      'Dutch Oven',
    ],
    price: [8, 180],
  },
  {
    name: 'Coffee & Tea',
    nouns: ['Pour-Over Kettle', 'French Press', 'Grinder', 'Teapot', 'Mug Set', 'Espresso Cup'],
    price: [10, 250],
  },
  {
    name: 'Furniture',
    nouns: ['Armchair', 'Side Table', 'Bookshelf', 'Desk', 'Bench', 'Sofa', 'Stool'],
    price: [60, 1400],
  },
  {
    name: 'Lighting',
    nouns: ['Desk Lamp', 'Pendant Light', 'Floor Lamp', 'Lantern', 'Wall Sconce'],
    price: [20, 320],
  },
  {
    name: 'Bedding',
    nouns: ['Duvet Cover', 'Pillowcase Pair', 'Throw Blanket', 'Quilt', 'Fitted Sheet'],
    price: [18, 240],
  },
  {
    name: 'Bath',
    nouns: ['Bath Towel', 'Bath Mat', 'Soap Dish', 'Shower Curtain', 'Robe'],
    price: [6, 120],
  },
  {
    name: 'Garden',
    nouns: ['Planter', 'Watering Can', 'Trowel', 'Pruning Shears', 'Hose Reel', 'Bird Feeder'],
    price: [7, 160],
  },
  {
    name: 'Outdoor',
    nouns: ['Camping Chair', 'Hammock', 'Cooler', 'Picnic Blanket', 'Tent', 'Headlamp'],
    price: [12, 450],
  },
  {
    name: 'Fitness',
    nouns: ['Yoga Mat', 'Kettlebell', 'Jump Rope', 'Foam Roller', 'Resistance Band Set'],
    price: [9, 200],
  },
  {
    name: 'Cycling',
    nouns: ['Bike Light', 'Saddle Bag', 'Helmet', 'Water Bottle Cage', 'Floor Pump'],
    price: [10, 220],
  },
  {
    name: 'Office',
    nouns: ['Notebook', 'Desk Organizer', 'Fountain Pen', 'Monitor Stand', 'Paper Tray'],
    price: [4, 160],
  },
  {
    name: 'Audio',
    nouns: ['Headphones', 'Bookshelf Speaker', 'Earbuds', 'Turntable', 'Soundbar'],
    price: [25, 900],
  },
  {
    name: 'Computing',
    nouns: ['Keyboard', 'Mouse', 'USB-C Hub', 'Laptop Sleeve', 'Webcam', 'Docking Station'],
    price: [15, 380],
  },
  {
    name: 'Toys',
    nouns: ['Building Set', 'Puzzle', 'Plush Bear', 'Wooden Train', 'Kite', 'Board Game'],
    price: [6, 140],
  },
  {
    name: 'Pets',
    nouns: ['Dog Bed', 'Cat Tree', 'Leash', 'Food Bowl', 'Chew Toy', 'Pet Carrier'],
    price: [5, 210],
  },
  {
    name: 'Apparel',
    nouns: ['Hoodie', 'Rain Jacket', 'Wool Socks', 'T-Shirt', 'Beanie', 'Scarf'],
    price: [9, 260],
  },
  {
    name: 'Footwear',
    nouns: ['Trail Runner', 'Sneaker', 'Hiking Boot', 'Slipper', 'Sandal'],
    price: [25, 240],
  },
  {
    name: 'Bags',
    nouns: ['Backpack', 'Tote Bag', 'Duffel', 'Messenger Bag', 'Wallet'],
    price: [15, 300],
  },
  {
    name: 'Stationery',
    nouns: ['Sketchbook', 'Pencil Set', 'Washi Tape', 'Planner', 'Greeting Card Pack'],
    price: [3, 60],
  },
  {
    name: 'Pantry',
    nouns: ['Olive Oil', 'Spice Set', 'Honey Jar', 'Granola', 'Hot Sauce', 'Loose Leaf Tea'],
    price: [4, 45],
    colours: false,
  },
];

export const ADJECTIVES = [
  'Classic',
  'Compact',
  'Everyday',
  'Heritage',
  'Lightweight',
  'Modern',
  'Nordic',
  'Rustic',
  'Sturdy',
  'Vintage',
  'Premium',
  'Essential',
  'Handmade',
  'Folding',
  'Deluxe',
  'Minimal',
  'Coastal',
  'Urban',
  'Alpine',
  'Studio',
] as const;

/** Colours and finishes; applied to every theme except those that set `colours: false`. */
export const COLOURS = [
  'Sage',
  'Charcoal',
  'Navy',
  'Sand',
  'Olive',
  'Slate',
  'Ivory',
  'Rust',
  'Midnight',
  'Forest',
  'Oak',
  'Walnut',
  'Copper',
  'Graphite',
  'Terracotta',
  'Birch',
  'Coral',
  'Mustard',
  'Stone',
  'Teal',
] as const;

export const DESCRIPTION_OPENERS = [
  'Built to last and easy to care for.',
  'Designed with small spaces in mind.',
  'A customer favourite since we first stocked it.',
  'Made in small batches by an independent workshop.',
  'Thoughtfully designed for everyday use.',
  'Tested by our team for a full season before it went on sale.',
] as const;

export const DESCRIPTION_DETAILS = [
  'Backed by a two-year warranty.',
  'Ships in plastic-free packaging.',
  'Pairs well with the rest of the collection.',
  'Wipe clean with a damp cloth.',
  'Available while stocks last.',
  'Each piece varies slightly in colour and grain.',
] as const;

export const FIRST_NAMES = [
  'Amara',
  'Ben',
  'Chloe',
  'Dev',
  'Elena',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kemi',
  'Liam',
  'Maya',
  'Noah',
  'Olga',
  'Priya',
  'Quinn',
  'Rosa',
  'Sami',
  'Tariq',
  'Uma',
  'Victor',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zoe',
  'Aiden',
  'Bianca',
  'Carlos',
  'Dana',
  'Emil',
  'Fatima',
  'Gabriel',
  'Hana',
  'Ivan',
  'Julia',
  'Kai',
  'Lena',
  'Mateo',
  'Nina',
] as const;

export const LAST_NAMES = [
  'Adeyemi',
  'Becker',
  'Castillo',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ito',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Petrov',
  'Quispe',
  'Rossi',
  'Silva',
  'Tanaka',
  'Ueda',
  'Varga',
  'Walsh',
  'Xu',
  'Yilmaz',
  'Zhang',
  'Andersson',
  'Byrne',
  'Chen',
  'Novak',
] as const;

/** Review sentences by rating band, so the text agrees with the stars. */
export const REVIEW_PHRASES: Readonly<Record<'low' | 'mid' | 'high', readonly string[]>> = {
  low: [
    'Arrived damaged and support was slow to answer.',
    'Smaller than the photos suggest.',
    'Stopped working after a couple of weeks.',
    'The finish started peeling almost immediately.',
    'Not worth the price, sadly.',
  ],
  mid: [
    'Does the job, nothing special.',
    'Decent quality for the price.',
    'Took a while to arrive but works fine.',
    'Good overall, the instructions could be clearer.',
    'Nice design, a bit heavier than expected.',
  ],
  high: [
    'Exactly what I was looking for.',
    'Excellent quality, I bought a second one as a gift.',
    'Beautifully made and arrived quickly.',
    'Use it every day and it still looks new.',
    'Would recommend to anyone.',
    'Better than the expensive brand I had before.',
  ],
};
