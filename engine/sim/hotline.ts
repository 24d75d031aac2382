// What citizens tell the 1022 hotline, in Vietnamese: a category and a short
// text built from templates, with the ward and street filled in. Complaints
// are rare next to sensor readings, so clarity beats speed here; the texts
// must stay free of anything that looks like a real person's data.

import { districtPlaces } from './hanoi-places.ts';
import { pick, type Random } from './prng.ts';

export const hotlineCategories = ['flood', 'waste', 'traffic', 'noise', 'power', 'other'] as const;
export type HotlineCategory = (typeof hotlineCategories)[number];

/** The hotline as an event source. */
export const HOTLINE_SOURCE = 'hotline-1022';

type Template = (p: { street: string; ward: string; n: number; depth: number; hour: number }) => string;

const templates: Readonly<Record<HotlineCategory, readonly Template[]>> = {
  flood: [
    (p) => `Đường ${p.street} ngập sâu khoảng ${p.depth} cm, nhiều xe máy chết máy`,
    (p) => `Nước tràn vào nhà dân ở ngõ ${p.n} ${p.street}, ${p.ward}`,
    (p) => `Cống thoát nước bị tắc, nước ngập ${p.depth} cm trước chợ trên phố ${p.street}`,
    (p) => `Ngập nặng tại nút giao ${p.street}, ô tô không đi được`,
    (p) => `Nước dâng nhanh ở khu tập thể ${p.ward}, đề nghị bố trí bơm tiêu`,
  ],
  waste: [
    (p) => `Rác thải tồn đọng nhiều ngày ở đầu ngõ ${p.n} ${p.street}, bốc mùi hôi`,
    (p) => `Xe chở rác để rơi vãi rác và nước thải trên đường ${p.street}`,
    (p) => `Đổ trộm phế thải xây dựng ven đường ${p.street}, ${p.ward}`,
  ],
  traffic: [
    (p) => `Ùn tắc kéo dài trên đường ${p.street}, không có cảnh sát giao thông điều tiết`,
    (p) => `Đèn tín hiệu giao thông ở nút ${p.street} bị hỏng`,
    (p) => `Ô tô đỗ trên vỉa hè và lòng đường ${p.street} gây cản trở giao thông`,
  ],
  noise: [
    (p) => `Hát karaoke gây ồn sau 22 giờ ở ngõ ${p.n} ${p.street}`,
    (p) => `Công trình thi công ban đêm trên phố ${p.street} gây tiếng ồn lớn`,
    (p) => `Quán nhậu trên phố ${p.street} mở loa to đến khuya`,
  ],
  power: [
    (p) => `Mất điện từ ${p.hour} giờ ở ${p.ward}, chưa có điện trở lại`,
    (p) => `Dây điện bị đứt, võng thấp trên phố ${p.street}, rất nguy hiểm`,
    (p) => `Tủ điện ở ngõ ${p.n} ${p.street} bị chập, bốc khói`,
  ],
  other: [
    (p) => `Cây xanh gãy đổ chắn ngang đường ${p.street}`,
    (p) => `Nắp hố ga bị vỡ trên vỉa hè phố ${p.street}`,
    (p) => `Đèn chiếu sáng công cộng ở ${p.ward} không hoạt động nhiều đêm`,
    (p) => `Lấn chiếm vỉa hè để bán hàng trên phố ${p.street}`,
  ],
};

/** A complaint's attributes: category, ward, text and channel. */
export interface Complaint {
  category: HotlineCategory;
  ward: string;
  text: string;
  channel: 'phone' | 'app';
}

/**
 * Writes one complaint for a district.
 *
 * @param flood how flooded the district is (0..1); deepens the water in flood texts.
 * @example
 * writeComplaint(rnd, 'hoang-mai', 'flood', 0.9, 14) // { category: 'flood', ward: 'Phường Định Công', text: 'Đường Tam Trinh ngập sâu khoảng 74 cm, ...' }
 */
export function writeComplaint(rnd: Random, zone: string, category: HotlineCategory, flood: number, hour: number): Complaint {
  const places = districtPlaces[zone];
  const ward = places ? pick(rnd, places.wards) : zone;
  const street = places ? pick(rnd, places.streets) : zone;
  const params = { street, ward, n: 2 + Math.floor(rnd() * 300), depth: Math.round(20 + 60 * Math.min(1, flood) + 10 * rnd()), hour: Math.floor(hour) };
  return { category, ward, text: pick(rnd, templates[category])(params), channel: rnd() < 0.7 ? 'phone' : 'app' };
}
