// The Hanoi the simulator draws sensors on: rivers, canals and lakes, major
// roads, and a few wards and streets of each district. Coordinates are rough
// (a few hundred meters) and are only meant to look right on the wall map;
// this is scenery for a simulator, never a reference for real geography.

/** A point as [lat, lon]. */
export type LatLon = readonly [number, number];

/** Kilometers per degree near Hanoi's latitude (21° N); flat-earth distances are fine at city scale. */
export const KM_PER_DEG_LAT = 111.2;
export const KM_PER_DEG_LON = 111.2 * Math.cos((21 * Math.PI) / 180);

export type WaterKind = 'river' | 'canal' | 'lake';

export interface Waterbody {
  nameVi: string;
  kind: WaterKind;
  /** A big river that a city storm barely moves (Hồng, Đuống, Đà, Đáy). */
  large: boolean;
  /** Polyline for rivers and canals, one point for a lake. */
  path: readonly LatLon[];
  /** Share of the water gauges this waterbody gets, before scaling. */
  weight: number;
}

export type RoadClass = 'arterial' | 'ring' | 'highway' | 'rural';

export interface Road {
  nameVi: string;
  cls: RoadClass;
  /** Known to jam at rush hour (speeds fall below 10 km/h there). */
  congestionProne: boolean;
  path: readonly LatLon[];
  /** Share of the traffic detectors this road gets, before scaling. */
  weight: number;
}

/** Free-flow speed (km/h) and how deep rush hour cuts into it, by road class. */
export const roadProfiles: Readonly<Record<RoadClass, { freeKmh: number; rushDepth: number }>> = {
  arterial: { freeKmh: 40, rushDepth: 0.5 },
  ring: { freeKmh: 60, rushDepth: 0.6 },
  highway: { freeKmh: 80, rushDepth: 0.4 },
  rural: { freeKmh: 50, rushDepth: 0.3 },
};

/** Rush-hour depth of a congestion-prone road: deep enough to fall below 10 km/h. */
export const CONGESTED_RUSH_DEPTH = 0.78;

/**
 * Districts that flood first: low-lying, densely built, drained by the
 * Tô Lịch, Lừ, Sét and Kim Ngưu canals. Their gauges reach 2.0 m in a storm.
 */
export const LOW_LYING_DISTRICTS: readonly string[] = ['hoang-mai', 'thanh-xuan', 'dong-da', 'hai-ba-trung', 'cau-giay'];

/** Districts where smog episodes happen (traffic, construction, industry, straw burning). */
export const POLLUTION_PRONE_DISTRICTS: readonly string[] = [
  'hoang-mai', 'thanh-xuan', 'dong-da', 'hai-ba-trung', 'cau-giay', 'nam-tu-liem',
  'bac-tu-liem', 'ha-dong', 'long-bien', 'thanh-tri', 'dong-anh', 'soc-son',
];

/** Where storm tracks aim: the middle of the low-lying districts. */
export const STORM_TARGET: LatLon = [21.004, 105.829];

export const waterbodies: readonly Waterbody[] = [
  { nameVi: 'Sông Hồng', kind: 'river', large: true, weight: 8, path: [[21.28, 105.37], [21.16, 105.5], [21.13, 105.57], [21.12, 105.66], [21.1, 105.73], [21.085, 105.8], [21.07, 105.84], [21.043, 105.858], [21.0, 105.882], [20.94, 105.9], [20.85, 105.91], [20.72, 105.95]] },
  { nameVi: 'Sông Tô Lịch', kind: 'canal', large: false, weight: 9, path: [[21.047, 105.805], [21.033, 105.8], [21.015, 105.808], [21.003, 105.818], [20.99, 105.82], [20.98, 105.828], [20.965, 105.835], [20.95, 105.84]] },
  { nameVi: 'Sông Kim Ngưu', kind: 'canal', large: false, weight: 5, path: [[21.015, 105.858], [21.003, 105.857], [20.99, 105.862], [20.97, 105.872]] },
  { nameVi: 'Sông Lừ', kind: 'canal', large: false, weight: 4, path: [[21.01, 105.835], [20.995, 105.835], [20.982, 105.833], [20.97, 105.83]] },
  { nameVi: 'Sông Sét', kind: 'canal', large: false, weight: 3, path: [[21.0, 105.846], [20.985, 105.843], [20.965, 105.855]] },
  { nameVi: 'Sông Nhuệ', kind: 'river', large: false, weight: 6, path: [[21.09, 105.76], [21.04, 105.765], [21.0, 105.765], [20.97, 105.78], [20.93, 105.8], [20.87, 105.8], [20.82, 105.83], [20.73, 105.88]] },
  { nameVi: 'Sông Đáy', kind: 'river', large: true, weight: 4, path: [[21.12, 105.67], [21.04, 105.68], [20.98, 105.65], [20.88, 105.67], [20.7, 105.73]] },
  { nameVi: 'Sông Đuống', kind: 'river', large: true, weight: 3, path: [[21.06, 105.87], [21.065, 105.9], [21.08, 105.93], [21.07, 105.98]] },
  { nameVi: 'Sông Cà Lồ', kind: 'river', large: false, weight: 2, path: [[21.2, 105.72], [21.22, 105.85], [21.23, 105.92]] },
  { nameVi: 'Sông Tích', kind: 'river', large: false, weight: 2, path: [[21.1, 105.5], [21.03, 105.55], [20.95, 105.6], [20.88, 105.62]] },
  { nameVi: 'Sông Đà', kind: 'river', large: true, weight: 1, path: [[21.22, 105.3], [21.26, 105.35]] },
  { nameVi: 'Hồ Tây', kind: 'lake', large: false, weight: 2, path: [[21.055, 105.82]] },
  { nameVi: 'Hồ Hoàn Kiếm', kind: 'lake', large: false, weight: 1, path: [[21.0287, 105.8524]] },
  { nameVi: 'Hồ Trúc Bạch', kind: 'lake', large: false, weight: 1, path: [[21.0455, 105.839]] },
  { nameVi: 'Hồ Giảng Võ', kind: 'lake', large: false, weight: 1, path: [[21.0275, 105.8235]] },
  { nameVi: 'Hồ Ba Mẫu', kind: 'lake', large: false, weight: 1, path: [[21.0145, 105.8375]] },
  { nameVi: 'Hồ Nghĩa Đô', kind: 'lake', large: false, weight: 1, path: [[21.04, 105.796]] },
  { nameVi: 'Hồ Thiền Quang', kind: 'lake', large: false, weight: 1, path: [[21.0175, 105.846]] },
  { nameVi: 'Hồ Yên Sở', kind: 'lake', large: false, weight: 2, path: [[20.963, 105.862]] },
  { nameVi: 'Hồ Linh Đàm', kind: 'lake', large: false, weight: 1, path: [[20.966, 105.829]] },
  { nameVi: 'Hồ Định Công', kind: 'lake', large: false, weight: 1, path: [[20.983, 105.828]] },
  { nameVi: 'Hồ Hạ Đình', kind: 'lake', large: false, weight: 1, path: [[20.988, 105.812]] },
  { nameVi: 'Hồ Văn Quán', kind: 'lake', large: false, weight: 1, path: [[20.975, 105.79]] },
  { nameVi: 'Hồ Mễ Trì', kind: 'lake', large: false, weight: 1, path: [[21.01, 105.775]] },
  { nameVi: 'Hồ Thạch Bàn', kind: 'lake', large: false, weight: 1, path: [[21.03, 105.91]] },
  { nameVi: 'Hồ Vân Trì', kind: 'lake', large: false, weight: 1, path: [[21.14, 105.82]] },
  { nameVi: 'Hồ Đồng Quan', kind: 'lake', large: false, weight: 1, path: [[21.27, 105.84]] },
  { nameVi: 'Hồ Đồng Mô', kind: 'lake', large: false, weight: 1, path: [[21.07, 105.47]] },
  { nameVi: 'Hồ Suối Hai', kind: 'lake', large: false, weight: 1, path: [[21.16, 105.4]] },
  { nameVi: 'Hồ Quan Sơn', kind: 'lake', large: false, weight: 1, path: [[20.67, 105.74]] },
  { nameVi: 'Kênh Đan Hoài', kind: 'canal', large: false, weight: 1, path: [[21.05, 105.71], [21.02, 105.7]] },
  { nameVi: 'Sông Bùi', kind: 'river', large: false, weight: 1, path: [[20.86, 105.66], [20.82, 105.72]] },
  { nameVi: 'Kênh Thanh Oai', kind: 'canal', large: false, weight: 1, path: [[20.87, 105.76], [20.85, 105.79]] },
  { nameVi: 'Sông Thiên Đức', kind: 'river', large: false, weight: 1, path: [[21.03, 105.93], [21.01, 105.96]] },
  { nameVi: 'Hồ Gia Thượng', kind: 'lake', large: false, weight: 1, path: [[21.17, 105.7]] },
  { nameVi: 'Hồ Tây Tựu', kind: 'lake', large: false, weight: 1, path: [[21.075, 105.74]] },
];

export const roads: readonly Road[] = [
  { nameVi: 'Giải Phóng', cls: 'arterial', congestionProne: true, weight: 6, path: [[21.01, 105.841], [21.0, 105.841], [20.982, 105.841], [20.96, 105.842]] },
  { nameVi: 'Lê Duẩn', cls: 'arterial', congestionProne: true, weight: 3, path: [[21.028, 105.841], [21.01, 105.841]] },
  { nameVi: 'Nguyễn Trãi', cls: 'arterial', congestionProne: true, weight: 6, path: [[21.003, 105.82], [20.995, 105.808], [20.992, 105.8], [20.975, 105.785], [20.966, 105.772]] },
  { nameVi: 'Láng', cls: 'arterial', congestionProne: true, weight: 4, path: [[21.003, 105.82], [21.015, 105.808], [21.029, 105.801]] },
  { nameVi: 'Vành đai 3', cls: 'ring', congestionProne: false, weight: 8, path: [[21.045, 105.781], [21.02, 105.783], [20.998, 105.798], [20.985, 105.81], [20.967, 105.83], [20.957, 105.843], [20.975, 105.87], [20.99, 105.893]] },
  { nameVi: 'Phạm Văn Đồng', cls: 'ring', congestionProne: false, weight: 4, path: [[21.09, 105.785], [21.07, 105.788], [21.045, 105.781]] },
  { nameVi: 'Trường Chinh', cls: 'arterial', congestionProne: true, weight: 4, path: [[21.003, 105.82], [21.0, 105.842]] },
  { nameVi: 'Tây Sơn', cls: 'arterial', congestionProne: true, weight: 3, path: [[21.02, 105.825], [21.003, 105.82]] },
  { nameVi: 'Xã Đàn', cls: 'arterial', congestionProne: true, weight: 3, path: [[21.02, 105.836], [21.01, 105.841]] },
  { nameVi: 'Kim Mã', cls: 'arterial', congestionProne: false, weight: 3, path: [[21.033, 105.83], [21.03, 105.81]] },
  { nameVi: 'Xuân Thủy', cls: 'arterial', congestionProne: true, weight: 3, path: [[21.03, 105.8], [21.037, 105.782]] },
  { nameVi: 'Hoàng Quốc Việt', cls: 'arterial', congestionProne: false, weight: 3, path: [[21.046, 105.81], [21.046, 105.785]] },
  { nameVi: 'Lê Văn Lương', cls: 'arterial', congestionProne: true, weight: 4, path: [[21.005, 105.812], [20.99, 105.77], [20.975, 105.755]] },
  { nameVi: 'Phạm Hùng', cls: 'arterial', congestionProne: false, weight: 3, path: [[21.035, 105.781], [21.005, 105.783]] },
  { nameVi: 'Đại lộ Thăng Long', cls: 'highway', congestionProne: false, weight: 5, path: [[21.005, 105.78], [21.0, 105.7], [21.0, 105.6], [21.0, 105.54]] },
  { nameVi: 'Võ Nguyên Giáp', cls: 'highway', congestionProne: false, weight: 4, path: [[21.087, 105.822], [21.12, 105.82], [21.2, 105.8]] },
  { nameVi: 'Võ Chí Công', cls: 'ring', congestionProne: false, weight: 2, path: [[21.048, 105.8], [21.075, 105.815], [21.087, 105.822]] },
  { nameVi: 'Nguyễn Văn Cừ', cls: 'arterial', congestionProne: true, weight: 3, path: [[21.045, 105.87], [21.045, 105.89]] },
  { nameVi: 'Quốc lộ 5', cls: 'highway', congestionProne: false, weight: 3, path: [[21.045, 105.89], [21.04, 105.92], [21.02, 105.95], [21.0, 105.98]] },
  { nameVi: 'Nguyễn Văn Linh', cls: 'arterial', congestionProne: false, weight: 2, path: [[21.045, 105.885], [21.035, 105.905], [21.015, 105.915]] },
  { nameVi: 'Minh Khai', cls: 'arterial', congestionProne: true, weight: 3, path: [[21.0, 105.842], [20.998, 105.86], [20.998, 105.873]] },
  { nameVi: 'Đại Cồ Việt', cls: 'arterial', congestionProne: true, weight: 2, path: [[21.008, 105.842], [21.008, 105.86]] },
  { nameVi: 'Trần Hưng Đạo', cls: 'arterial', congestionProne: false, weight: 2, path: [[21.021, 105.842], [21.022, 105.858]] },
  { nameVi: 'Đinh Tiên Hoàng', cls: 'arterial', congestionProne: false, weight: 1, path: [[21.033, 105.852], [21.025, 105.853]] },
  { nameVi: 'Lạc Long Quân', cls: 'arterial', congestionProne: false, weight: 2, path: [[21.045, 105.81], [21.07, 105.812], [21.08, 105.82]] },
  { nameVi: 'Âu Cơ', cls: 'arterial', congestionProne: false, weight: 1, path: [[21.068, 105.833], [21.082, 105.823]] },
  { nameVi: 'Pháp Vân - Cầu Giẽ', cls: 'highway', congestionProne: false, weight: 4, path: [[20.955, 105.845], [20.9, 105.86], [20.83, 105.87], [20.73, 105.91]] },
  { nameVi: 'Ngọc Hồi', cls: 'arterial', congestionProne: true, weight: 2, path: [[20.96, 105.84], [20.93, 105.843], [20.91, 105.848]] },
  { nameVi: 'Quốc lộ 32', cls: 'rural', congestionProne: false, weight: 4, path: [[21.04, 105.765], [21.06, 105.72], [21.09, 105.66], [21.12, 105.58], [21.14, 105.505]] },
  { nameVi: 'Quốc lộ 6', cls: 'rural', congestionProne: false, weight: 3, path: [[20.966, 105.772], [20.94, 105.73], [20.9, 105.68], [20.88, 105.6]] },
  { nameVi: 'Quốc lộ 21B', cls: 'rural', congestionProne: false, weight: 3, path: [[20.96, 105.775], [20.9, 105.78], [20.82, 105.77], [20.72, 105.77], [20.68, 105.74]] },
  { nameVi: 'Quốc lộ 3', cls: 'rural', congestionProne: false, weight: 2, path: [[21.14, 105.85], [21.2, 105.85], [21.26, 105.85]] },
  { nameVi: 'Quốc lộ 21A', cls: 'rural', congestionProne: false, weight: 2, path: [[21.14, 105.505], [21.18, 105.45], [21.2, 105.42]] },
  { nameVi: 'Quốc lộ 23', cls: 'rural', congestionProne: false, weight: 1, path: [[21.15, 105.76], [21.18, 105.72]] },
  { nameVi: 'Quốc lộ 1A', cls: 'rural', congestionProne: false, weight: 2, path: [[20.88, 105.86], [20.8, 105.88], [20.73, 105.9]] },
  { nameVi: 'Cổ Nhuế - Tây Tựu', cls: 'arterial', congestionProne: false, weight: 1, path: [[21.065, 105.78], [21.07, 105.745]] },
  { nameVi: 'Tỉnh lộ 419', cls: 'rural', congestionProne: false, weight: 1, path: [[20.99, 105.64], [20.97, 105.62]] },
];

export interface DistrictPlaces {
  wards: readonly string[];
  streets: readonly string[];
}

/** A few wards (phường/xã/thị trấn) and streets of each district, for complaint texts and station names. */
export const districtPlaces: Readonly<Record<string, DistrictPlaces>> = {
  'ba-dinh': { wards: ['Phường Phúc Xá', 'Phường Trúc Bạch', 'Phường Vĩnh Phúc', 'Phường Cống Vị', 'Phường Liễu Giai', 'Phường Ngọc Hà', 'Phường Kim Mã', 'Phường Giảng Võ', 'Phường Thành Công', 'Phường Quán Thánh'], streets: ['Kim Mã', 'Đội Cấn', 'Liễu Giai', 'Hoàng Hoa Thám', 'Phan Đình Phùng', 'Giảng Võ', 'Nguyễn Chí Thanh'] },
  'hoan-kiem': { wards: ['Phường Hàng Bạc', 'Phường Hàng Đào', 'Phường Hàng Trống', 'Phường Tràng Tiền', 'Phường Cửa Nam', 'Phường Phan Chu Trinh', 'Phường Chương Dương', 'Phường Đồng Xuân', 'Phường Hàng Bài'], streets: ['Hàng Bài', 'Tràng Tiền', 'Hàng Gai', 'Lý Thường Kiệt', 'Trần Hưng Đạo', 'Phan Chu Trinh', 'Hàng Bông'] },
  'tay-ho': { wards: ['Phường Phú Thượng', 'Phường Nhật Tân', 'Phường Tứ Liên', 'Phường Quảng An', 'Phường Xuân La', 'Phường Yên Phụ', 'Phường Bưởi', 'Phường Thụy Khuê'], streets: ['Lạc Long Quân', 'Âu Cơ', 'Xuân Diệu', 'Thụy Khuê', 'Đặng Thai Mai', 'Văn Cao'] },
  'long-bien': { wards: ['Phường Thượng Thanh', 'Phường Ngọc Thụy', 'Phường Đức Giang', 'Phường Việt Hưng', 'Phường Gia Thụy', 'Phường Ngọc Lâm', 'Phường Bồ Đề', 'Phường Sài Đồng', 'Phường Thạch Bàn', 'Phường Cự Khối'], streets: ['Nguyễn Văn Cừ', 'Ngọc Lâm', 'Nguyễn Văn Linh', 'Ngô Gia Tự', 'Cổ Linh', 'Long Biên 2'] },
  'cau-giay': { wards: ['Phường Nghĩa Đô', 'Phường Nghĩa Tân', 'Phường Mai Dịch', 'Phường Dịch Vọng', 'Phường Dịch Vọng Hậu', 'Phường Quan Hoa', 'Phường Yên Hòa', 'Phường Trung Hòa'], streets: ['Xuân Thủy', 'Cầu Giấy', 'Trần Duy Hưng', 'Nguyễn Khang', 'Hoàng Quốc Việt', 'Trần Thái Tông', 'Duy Tân'] },
  'dong-da': { wards: ['Phường Cát Linh', 'Phường Văn Miếu', 'Phường Láng Thượng', 'Phường Ô Chợ Dừa', 'Phường Láng Hạ', 'Phường Khâm Thiên', 'Phường Trung Liệt', 'Phường Phương Liên', 'Phường Kim Liên', 'Phường Ngã Tư Sở', 'Phường Khương Thượng'], streets: ['Tây Sơn', 'Xã Đàn', 'Thái Hà', 'Chùa Bộc', 'Láng', 'Nguyễn Lương Bằng', 'Khâm Thiên', 'Phạm Ngọc Thạch'] },
  'hai-ba-trung': { wards: ['Phường Bạch Đằng', 'Phường Lê Đại Hành', 'Phường Phố Huế', 'Phường Thanh Lương', 'Phường Thanh Nhàn', 'Phường Bách Khoa', 'Phường Vĩnh Tuy', 'Phường Bạch Mai', 'Phường Quỳnh Mai', 'Phường Minh Khai', 'Phường Trương Định'], streets: ['Minh Khai', 'Bạch Mai', 'Trương Định', 'Đại Cồ Việt', 'Kim Ngưu', 'Lạc Trung', 'Phố Huế'] },
  'hoang-mai': { wards: ['Phường Vĩnh Hưng', 'Phường Định Công', 'Phường Mai Động', 'Phường Tương Mai', 'Phường Đại Kim', 'Phường Tân Mai', 'Phường Giáp Bát', 'Phường Lĩnh Nam', 'Phường Thịnh Liệt', 'Phường Hoàng Liệt', 'Phường Yên Sở'], streets: ['Giải Phóng', 'Tam Trinh', 'Lĩnh Nam', 'Nguyễn Hữu Thọ', 'Kim Giang', 'Định Công', 'Trương Định', 'Linh Đường'] },
  'thanh-xuan': { wards: ['Phường Nhân Chính', 'Phường Thượng Đình', 'Phường Khương Trung', 'Phường Khương Mai', 'Phường Thanh Xuân Trung', 'Phường Phương Liệt', 'Phường Hạ Đình', 'Phường Khương Đình', 'Phường Thanh Xuân Bắc', 'Phường Kim Giang'], streets: ['Nguyễn Trãi', 'Khuất Duy Tiến', 'Nguyễn Tuân', 'Vũ Trọng Phụng', 'Lê Văn Lương', 'Nguyễn Xiển', 'Kim Giang', 'Trường Chinh'] },
  'nam-tu-liem': { wards: ['Phường Cầu Diễn', 'Phường Xuân Phương', 'Phường Phương Canh', 'Phường Mỹ Đình 1', 'Phường Mỹ Đình 2', 'Phường Tây Mỗ', 'Phường Mễ Trì', 'Phường Phú Đô', 'Phường Đại Mỗ', 'Phường Trung Văn'], streets: ['Phạm Hùng', 'Lê Đức Thọ', 'Hồ Tùng Mậu', 'Mễ Trì', 'Tố Hữu', 'Lê Quang Đạo', 'Đại lộ Thăng Long'] },
  'bac-tu-liem': { wards: ['Phường Thượng Cát', 'Phường Liên Mạc', 'Phường Đông Ngạc', 'Phường Đức Thắng', 'Phường Thụy Phương', 'Phường Tây Tựu', 'Phường Xuân Đỉnh', 'Phường Cổ Nhuế 1', 'Phường Phú Diễn', 'Phường Phúc Diễn'], streets: ['Phạm Văn Đồng', 'Tân Xuân', 'Cổ Nhuế', 'Đức Thắng', 'Phú Diễn', 'Xuân Đỉnh'] },
  'ha-dong': { wards: ['Phường Nguyễn Trãi', 'Phường Mộ Lao', 'Phường Văn Quán', 'Phường Vạn Phúc', 'Phường Quang Trung', 'Phường La Khê', 'Phường Phú La', 'Phường Hà Cầu', 'Phường Yên Nghĩa', 'Phường Kiến Hưng', 'Phường Dương Nội'], streets: ['Quang Trung', 'Nguyễn Trãi', 'Tố Hữu', 'Lê Trọng Tấn', 'Trần Phú', 'Vạn Phúc', 'Phùng Hưng'] },
  'son-tay': { wards: ['Phường Lê Lợi', 'Phường Phú Thịnh', 'Phường Ngô Quyền', 'Phường Quang Trung', 'Phường Sơn Lộc', 'Phường Xuân Khanh', 'Phường Trung Hưng', 'Phường Viên Sơn'], streets: ['Lê Lợi', 'Phùng Khắc Khoan', 'Chùa Thông', 'Tùng Thiện', 'Quốc lộ 32'] },
  'ba-vi': { wards: ['Thị trấn Tây Đằng', 'Xã Ba Trại', 'Xã Tản Lĩnh', 'Xã Vân Hòa', 'Xã Thuần Mỹ', 'Xã Cổ Đô'], streets: ['Quốc lộ 32', 'Quốc lộ 21A', 'Tỉnh lộ 411', 'Tỉnh lộ 87'] },
  'chuong-my': { wards: ['Thị trấn Chúc Sơn', 'Thị trấn Xuân Mai', 'Xã Phụng Châu', 'Xã Thủy Xuân Tiên', 'Xã Đông Phương Yên', 'Xã Tiên Phương'], streets: ['Quốc lộ 6', 'Tỉnh lộ 419', 'Đường Hồ Chí Minh', 'Đường Chúc Sơn'] },
  'dan-phuong': { wards: ['Thị trấn Phùng', 'Xã Tân Hội', 'Xã Đan Phượng', 'Xã Thượng Mỗ', 'Xã Liên Hà', 'Xã Hạ Mỗ'], streets: ['Quốc lộ 32', 'Tỉnh lộ 417', 'Đường Tân Hội'] },
  'dong-anh': { wards: ['Thị trấn Đông Anh', 'Xã Uy Nỗ', 'Xã Kim Chung', 'Xã Hải Bối', 'Xã Cổ Loa', 'Xã Vân Nội', 'Xã Nguyên Khê'], streets: ['Võ Nguyên Giáp', 'Quốc lộ 3', 'Cao Lỗ', 'Đường Uy Nỗ', 'Đường Cổ Loa'] },
  'gia-lam': { wards: ['Thị trấn Trâu Quỳ', 'Thị trấn Yên Viên', 'Xã Đa Tốn', 'Xã Bát Tràng', 'Xã Kiêu Kỵ', 'Xã Phù Đổng'], streets: ['Quốc lộ 5', 'Nguyễn Đức Thuận', 'Ngô Xuân Quảng', 'Đường Bát Tràng'] },
  'hoai-duc': { wards: ['Thị trấn Trạm Trôi', 'Xã An Khánh', 'Xã Kim Chung', 'Xã Vân Canh', 'Xã Di Trạch', 'Xã La Phù'], streets: ['Quốc lộ 32', 'Đại lộ Thăng Long', 'Tỉnh lộ 422', 'Đường Vân Canh'] },
  'me-linh': { wards: ['Thị trấn Chi Đông', 'Thị trấn Quang Minh', 'Xã Tiền Phong', 'Xã Mê Linh', 'Xã Tráng Việt', 'Xã Đại Thịnh'], streets: ['Quốc lộ 23', 'Đường Mê Linh', 'Đường Quang Minh'] },
  'my-duc': { wards: ['Thị trấn Đại Nghĩa', 'Xã Hương Sơn', 'Xã An Mỹ', 'Xã Phù Lưu Tế', 'Xã Hợp Thanh'], streets: ['Quốc lộ 21B', 'Tỉnh lộ 419', 'Đường Hương Sơn'] },
  'phu-xuyen': { wards: ['Thị trấn Phú Xuyên', 'Thị trấn Phú Minh', 'Xã Chuyên Mỹ', 'Xã Nam Phong', 'Xã Tri Thủy'], streets: ['Quốc lộ 1A', 'Pháp Vân - Cầu Giẽ', 'Tỉnh lộ 428'] },
  'phuc-tho': { wards: ['Thị trấn Phúc Thọ', 'Xã Võng Xuyên', 'Xã Sen Phương', 'Xã Long Xuyên', 'Xã Hát Môn'], streets: ['Quốc lộ 32', 'Tỉnh lộ 418', 'Đường Phúc Thọ'] },
  'quoc-oai': { wards: ['Thị trấn Quốc Oai', 'Xã Sài Sơn', 'Xã Ngọc Liệp', 'Xã Phú Cát', 'Xã Thạch Thán'], streets: ['Đại lộ Thăng Long', 'Tỉnh lộ 419', 'Tỉnh lộ 421B'] },
  'soc-son': { wards: ['Thị trấn Sóc Sơn', 'Xã Phù Lỗ', 'Xã Mai Đình', 'Xã Minh Phú', 'Xã Nam Sơn', 'Xã Phù Linh'], streets: ['Quốc lộ 3', 'Võ Nguyên Giáp', 'Đường Núi Đôi', 'Quốc lộ 2'] },
  'thach-that': { wards: ['Thị trấn Liên Quan', 'Xã Thạch Hòa', 'Xã Bình Yên', 'Xã Hương Ngải', 'Xã Phùng Xá'], streets: ['Đại lộ Thăng Long', 'Tỉnh lộ 420', 'Quốc lộ 21A'] },
  'thanh-oai': { wards: ['Thị trấn Kim Bài', 'Xã Cự Khê', 'Xã Bích Hòa', 'Xã Thanh Cao', 'Xã Tam Hưng'], streets: ['Quốc lộ 21B', 'Tỉnh lộ 427', 'Đường Kim Bài'] },
  'thanh-tri': { wards: ['Thị trấn Văn Điển', 'Xã Tả Thanh Oai', 'Xã Tam Hiệp', 'Xã Ngũ Hiệp', 'Xã Vĩnh Quỳnh', 'Xã Tứ Hiệp'], streets: ['Ngọc Hồi', 'Phan Trọng Tuệ', 'Cầu Bươu', 'Tựu Liệt', 'Nguyễn Xiển'] },
  'thuong-tin': { wards: ['Thị trấn Thường Tín', 'Xã Vân Tảo', 'Xã Hà Hồi', 'Xã Nhị Khê', 'Xã Duyên Thái'], streets: ['Quốc lộ 1A', 'Pháp Vân - Cầu Giẽ', 'Tỉnh lộ 427'] },
  'ung-hoa': { wards: ['Thị trấn Vân Đình', 'Xã Hòa Xá', 'Xã Vạn Thái', 'Xã Phương Tú', 'Xã Trường Thịnh'], streets: ['Quốc lộ 21B', 'Tỉnh lộ 428', 'Đường Vân Đình'] },
};
