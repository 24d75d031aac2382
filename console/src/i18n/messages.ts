// Every label the console shows, in Vietnamese (the default) and English. Text
// that comes from the engine (rule titles, messages) carries its own languages.

import type { Lang, Severity } from '../state/index.ts';

const messages = {
  title: { vi: 'Trung tâm Điều hành Thông minh Hà Nội', en: 'Hanoi Intelligent Operations Center' },
  'alerts.heading': { vi: 'Cảnh báo đang kích hoạt', en: 'Firing alerts' },
  'alerts.none': { vi: 'Không có cảnh báo nào', en: 'No alerts firing' },
  'alerts.district': { vi: 'Quận/huyện', en: 'District' },
  'severity.critical': { vi: 'Khẩn cấp', en: 'Critical' },
  'severity.major': { vi: 'Nghiêm trọng', en: 'Major' },
  'severity.minor': { vi: 'Đáng chú ý', en: 'Minor' },
  'severity.info': { vi: 'Thông tin', en: 'Info' },
  'severity.normal': { vi: 'Bình thường', en: 'Normal' },
  'connection.connecting': { vi: 'Đang kết nối…', en: 'Connecting…' },
  'connection.live': { vi: 'Trực tuyến', en: 'Live' },
  'connection.reconnecting': { vi: 'Mất kết nối · thử lại sau {s} giây', en: 'Disconnected · retrying in {s} s' },
  'mode.embedded': { vi: 'EMBEDDED DEMO · dữ liệu mô phỏng', en: 'EMBEDDED DEMO · simulated data' },
  'mode.partial': { vi: 'DEMO · {mode} · dữ liệu không được lưu bền vững', en: 'DEMO · {mode} · data is not kept durably' },
  'map.boundaries': { vi: 'Ranh giới quận/huyện là gần đúng', en: 'District boundaries are approximate' },
  'map.sensors': { vi: 'cảm biến', en: 'sensors' },
  'lang.switch': { vi: 'English', en: 'Tiếng Việt' },
  // Map layers and sensor freshness (console/src/map).
  'map.layers': { vi: 'Lớp bản đồ', en: 'Map layers' },
  'map.layer.sensors': { vi: 'Cảm biến', en: 'Sensors' },
  'map.layer.clusters': { vi: 'Gom cụm (màu của mức nặng nhất)', en: 'Clusters (worst severity inside)' },
  'map.layer.incidents': { vi: 'Sự cố đang mở theo quận/huyện', en: 'Open incidents by district' },
  'map.layer.heatmap': { vi: 'Bản đồ nhiệt', en: 'Heatmap' },
  'map.metric': { vi: 'Chỉ số của bản đồ nhiệt', en: 'Heatmap metric' },
  'map.stale': { vi: 'Mất tín hiệu: im lặng quá {n} chu kỳ gửi', en: 'Stale: silent for over {n} report intervals' },
  // Legend and sound-unlock labels (issue 6 gaps, part Y).
  'legend.stale': { vi: 'Mất tín hiệu (vòng rỗng)', en: 'Stale (hollow ring)' },
  'incidents.sound.unlock': { vi: 'Bật âm thanh chuông báo', en: 'Enable alarm sound' },
  // Wall mode, connection staleness, recovery and announcements (console/src/wall, console/src/api).
  'wall.enter': { vi: 'Chế độ màn hình lớn', en: 'Wall mode' },
  'wall.exit': { vi: 'Thoát màn hình lớn', en: 'Exit wall mode' },
  'wall.next': { vi: 'Màn tiếp theo', en: 'Next view' },
  'wall.view.map': { vi: 'Bản đồ', en: 'Map' },
  'wall.view.queue': { vi: 'Hàng đợi sự cố', en: 'Incident queue' },
  'wall.view.kpis': { vi: 'Chỉ số', en: 'KPIs' },
  'wall.rotating': { vi: 'Tự chuyển màn', en: 'Rotating views' },
  'connection.stale': { vi: 'Dữ liệu tính đến {time}', en: 'Data as of {time}' },
  'map.context-lost': { vi: 'Mất đồ họa bản đồ · đang khôi phục…', en: 'Map graphics lost · recovering…' },
  'a11y.critical': { vi: 'Cảnh báo khẩn cấp mới: {title}, {zone}', en: 'New critical alert: {title}, {zone}' },
  // Evidence charts, critical-incident announcements and the wall's KPI view (issue 6 items 3, 5, 6, 8).
  'a11y.incident.critical': { vi: 'Sự cố khẩn cấp mới: {title}, {zone}', en: 'New critical incident: {title}, {zone}' },
  'a11y.incident.escalated': { vi: 'Sự cố nâng lên khẩn cấp: {title}, {zone}', en: 'Incident escalated to critical: {title}, {zone}' },
  'evidence.chart.marks': { vi: '{n} thời điểm cảnh báo được đánh dấu', en: '{n} alert moments marked' },
  'evidence.chart.label': {
    vi: 'Biểu đồ {type}, {resolution}; {n} thời điểm cảnh báo: {times}',
    en: 'Chart of {type}, {resolution}; {n} alert moments: {times}',
  },
  'evidence.chart.omitted': { vi: 'Còn {n} nguồn khác, xem bảng bên dưới', en: '{n} more sources, listed below' },
  'kpis.heading': { vi: 'Chỉ số toàn thành phố', en: 'City KPIs' },
  'kpis.live': { vi: 'hiện tại', en: 'now' },
  'kpis.at': { vi: 'lúc {time}', en: 'at {time}' },
  'kpis.loading': { vi: 'Đang tải…', en: 'Loading…' },
  'kpis.unavailable': { vi: 'Không có số liệu: {message}', en: 'Not available: {message}' },
  'kpis.open': { vi: 'Sự cố đang mở', en: 'Open incidents' },
  'kpis.topZones': { vi: 'Quận/huyện nhiều sự cố nhất', en: 'Most affected districts' },
  'kpis.topZones.none': { vi: 'Không có sự cố đang mở', en: 'No open incidents' },
  'kpis.incidents.n': { vi: '{n} sự cố', en: '{n} incidents' },
  'kpis.sensors': { vi: 'Cảm biến', en: 'Sensors' },
  'kpis.sensors.reporting': { vi: 'đang gửi số liệu', en: 'reporting' },
  'kpis.sensors.stale': { vi: 'mất tín hiệu', en: 'stale' },
  'kpis.alertsHour': { vi: 'Cảnh báo trong 1 giờ qua', en: 'Alerts in the last hour' },
  // Incidents: queue, detail, alarm (issue 6, part A).
  'incidents.heading': { vi: 'Sự cố', en: 'Incidents' },
  'incidents.none': { vi: 'Không có sự cố nào', en: 'No incidents' },
  'incidents.filter.type': { vi: 'Mọi loại', en: 'All types' },
  'incidents.filter.zone': { vi: 'Mọi quận/huyện', en: 'All districts' },
  'incidents.filter.text': { vi: 'Tìm sự cố…', en: 'Search incidents…' },
  'incidents.state.active': { vi: 'Đang xử lý', en: 'Active' },
  'incidents.state.open': { vi: 'Mới', en: 'Open' },
  'incidents.state.acknowledged': { vi: 'Đã tiếp nhận', en: 'Acknowledged' },
  'incidents.state.resolved': { vi: 'Đã kết thúc', en: 'Resolved' },
  'incidents.state.all': { vi: 'Tất cả', en: 'All' },
  'incidents.user': { vi: 'Tôi là', en: 'I am' },
  'incidents.key.move': { vi: 'chọn', en: 'select' },
  'incidents.key.ack': { vi: 'tiếp nhận', en: 'acknowledge' },
  'incidents.key.assign': { vi: 'giao việc', en: 'assign' },
  'incidents.key.escalate': { vi: 'nâng mức', en: 'escalate' },
  'incidents.key.open': { vi: 'mở', en: 'open' },
  'incidents.prompt.assign': { vi: 'Giao sự cố cho (người hoặc đội):', en: 'Assign the incident to (person or team):' },
  'incidents.error': { vi: 'Không thực hiện được: {message}', en: 'Could not do it: {message}' },
  'incidents.escalate.max': { vi: 'Sự cố đã ở mức cao nhất', en: 'The incident is already critical' },
  'incidents.sound.silent': { vi: 'Chuông: yên lặng', en: 'Alarm: quiet' },
  'incidents.sound.ringing': { vi: 'Chuông đang kêu', en: 'Alarm ringing' },
  'incidents.sound.muted': { vi: 'Tắt chuông đến {time}', en: 'Alarm muted until {time}' },
  'incidents.sound.blocked': { vi: 'Trình duyệt đang chặn âm thanh · bấm để bật', en: 'The browser is blocking sound · click to enable' },
  'incidents.sound.mute': { vi: 'Tắt {m} phút', en: 'Mute {m} min' },
  'incidents.sound.unmute': { vi: 'Bật lại chuông', en: 'Unmute' },
  'incident.close': { vi: 'Đóng', en: 'Close' },
  'incident.loading': { vi: 'Đang tải…', en: 'Loading…' },
  'incident.opened': { vi: 'Mở lúc {time}', en: 'Opened {time}' },
  'incident.unassigned': { vi: 'Chưa giao', en: 'Unassigned' },
  'incident.assignee': { vi: 'Người/đội xử lý', en: 'Assignee' },
  'incident.mergedInto': { vi: 'Sự cố đã được gộp vào {id}', en: 'This incident was merged into {id}' },
  'incident.timeline': { vi: 'Diễn biến', en: 'Timeline' },
  'incident.evidence': { vi: 'Bằng chứng', en: 'Evidence' },
  'incident.evidence.none': { vi: 'Chưa có sự kiện', en: 'No events yet' },
  'incident.values': { vi: 'Giá trị tính toán', en: 'Computed values' },
  'incident.sop': { vi: 'Quy trình xử lý', en: 'Operating procedure' },
  'incident.sop.none': { vi: 'Không có quy trình cho loại sự cố này', en: 'No procedure for this incident type' },
  'incident.sop.due': { vi: 'hạn {time}', en: 'due {time}' },
  'incident.sop.doneBy': { vi: 'xong bởi {who}', en: 'done by {who}' },
  'incident.sop.overdue': { vi: 'Quá hạn', en: 'Overdue' },
  'incident.alerts': { vi: 'Cảnh báo', en: 'Alerts' },
  'incident.acknowledge': { vi: 'Tiếp nhận', en: 'Acknowledge' },
  'incident.assign': { vi: 'Giao', en: 'Assign' },
  'incident.comment': { vi: 'Bình luận', en: 'Comment' },
  'incident.comment.placeholder': { vi: 'Viết bình luận…', en: 'Write a comment…' },
  'incident.resolve': { vi: 'Kết thúc sự cố', en: 'Resolve' },
  'incident.resolve.note': { vi: 'Ghi chú kết thúc (bắt buộc)', en: 'Resolution note (required)' },
  'incident.resolution': { vi: 'Kết quả xử lý: {note}', en: 'Resolution: {note}' },
  'incident.merge': { vi: 'Gộp các sự cố đã chọn vào sự cố này', en: 'Merge the selected incidents into this one' },
  'incident.merge.none': { vi: 'Không có sự cố khác để gộp', en: 'No other incidents to merge' },
  'incident.split': { vi: 'Tách các cảnh báo đã chọn thành sự cố mới', en: 'Split the selected alerts into a new incident' },
  'incident.silenced': { vi: 'đang tạm tắt', en: 'silenced' },
  'incident.flapping': { vi: 'dao động', en: 'flapping' },
  'timeline.opened': { vi: 'Mở sự cố', en: 'Opened' },
  'timeline.alert.added': { vi: 'Thêm cảnh báo', en: 'Alert added' },
  'timeline.alert.resolved': { vi: 'Cảnh báo hết', en: 'Alert resolved' },
  'timeline.alert.refired': { vi: 'Cảnh báo lặp lại', en: 'Alert fired again' },
  'timeline.acknowledged': { vi: 'Tiếp nhận', en: 'Acknowledged' },
  'timeline.assigned': { vi: 'Giao việc', en: 'Assigned' },
  'timeline.commented': { vi: 'Bình luận', en: 'Comment' },
  'timeline.severity.changed': { vi: 'Đổi mức độ', en: 'Severity changed' },
  'timeline.resolved': { vi: 'Kết thúc', en: 'Resolved' },
  'timeline.reopened': { vi: 'Mở lại', en: 'Reopened' },
  'timeline.merged': { vi: 'Gộp', en: 'Merged' },
  'timeline.split': { vi: 'Tách', en: 'Split' },
  'timeline.escalated': { vi: 'Tự động nâng cấp', en: 'Escalated' },
  'timeline.sop.step.done': { vi: 'Hoàn thành bước', en: 'Step done' },
  'timeline.sop.step.reopened': { vi: 'Mở lại bước', en: 'Step reopened' },
  'timeline.sop.step.overdue': { vi: 'Bước quá hạn', en: 'Step overdue' },
  'timeline.notified': { vi: 'Đã thông báo', en: 'Notified' },
  'timeline.other': { vi: 'Thay đổi', en: 'Change' },
  // Time cursor and drill-down (issue 6, part C).
  'time.live': { vi: 'Trực tiếp', en: 'Live' },
  'time.at': { vi: 'Lúc {time}', en: 'At {time}' },
  'time.back-to-live': { vi: 'Về trực tiếp', en: 'Back to live' },
  'time.slider': { vi: 'Xem lại 24 giờ qua', en: 'Replay the last 24 hours' },
  'time.loading': { vi: 'Đang tải trạng thái lúc đó…', en: 'Loading the state at that moment…' },
  'time.error': { vi: 'Không tải được: {message}', en: 'Could not load: {message}' },
  'time.summary': { vi: '{sensors} cảm biến · {alerts} cảnh báo · {incidents} sự cố chưa kết thúc', en: '{sensors} sensors · {alerts} alerts · {incidents} unresolved incidents' },
  'time.incidents': { vi: 'Sự cố chưa kết thúc lúc đó', en: 'Incidents unresolved at that moment' },
  'time.state.open': { vi: 'Mới', en: 'Open' },
  'time.state.acknowledged': { vi: 'Đã tiếp nhận', en: 'Acknowledged' },
  'time.more': { vi: 'và {n} sự cố khác', en: 'and {n} more' },
  // The incident desk while the time cursor is at a past instant (issue 6 gaps, part A).
  'incidents.past': { vi: 'Sự cố lúc đó · chỉ xem; về trực tiếp để xử lý', en: 'Incidents as they were then · view only; back to live to act' },
  'drill.close': { vi: 'Đóng', en: 'Close' },
  'drill.sensor': { vi: 'Cảm biến {id}', en: 'Sensor {id}' },
  'drill.zone': { vi: 'Quận/huyện {name}', en: 'District {name}' },
  'drill.range': { vi: 'Khoảng thời gian', en: 'Range' },
  'drill.resolution.raw': { vi: 'dữ liệu gốc', en: 'raw events' },
  'drill.resolution.minute': { vi: 'theo phút', en: 'per minute' },
  'drill.resolution.hour': { vi: 'theo giờ', en: 'per hour' },
  'drill.chart': { vi: 'Biểu đồ {type}, {resolution}', en: 'Chart of {type}, {resolution}' },
  'drill.threshold': { vi: 'Ngưỡng cảnh báo {value}', en: 'Alert threshold {value}' },
  'drill.nodata': { vi: 'Không có dữ liệu trong khoảng này', en: 'No data in this range' },
  'drill.loading': { vi: 'Đang tải…', en: 'Loading…' },
  'drill.error': { vi: 'Không tải được: {message}', en: 'Could not load: {message}' },
  'drill.kpi.latest': { vi: 'Mới nhất', en: 'Latest' },
  'drill.kpi.hour': { vi: 'TB 1 giờ', en: '1 h mean' },
  'drill.kpi.day': { vi: 'Cao nhất 24 giờ', en: '24 h max' },
  'drill.kpi.incidents': { vi: 'Sự cố đang mở', en: 'Open incidents' },
  'drill.alerts': { vi: 'Cảnh báo gần đây', en: 'Recent alerts' },
  'drill.alerts.none': { vi: 'Không có cảnh báo', en: 'No alerts' },
  // Sign-in and the signed-in user (console/src/session; issue 7).
  'session.heading': { vi: 'Đăng nhập', en: 'Sign in' },
  'session.intro': { vi: 'Máy chủ này yêu cầu đăng nhập.', en: 'This server requires sign-in.' },
  'session.tab.password': { vi: 'Tên và mật khẩu', en: 'Name and secret' },
  'session.tab.token': { vi: 'Mã truy cập (token)', en: 'Access token' },
  'session.name': { vi: 'Tên đăng nhập', en: 'Name' },
  'session.secret': { vi: 'Mật khẩu', en: 'Secret' },
  'session.token': { vi: 'Dán mã truy cập (JWT)', en: 'Paste the access token (JWT)' },
  'session.submit': { vi: 'Đăng nhập', en: 'Sign in' },
  'session.checking': { vi: 'Đang kiểm tra…', en: 'Checking…' },
  'session.missing': { vi: 'Hãy nhập tên và mật khẩu, hoặc dán mã truy cập.', en: 'Enter a name and secret, or paste an access token.' },
  'session.wrong': { vi: 'Sai tên hoặc mật khẩu.', en: 'Wrong name or secret.' },
  'session.tokenRefused': { vi: 'Mã truy cập bị từ chối: {message}', en: 'The access token was refused: {message}' },
  'session.expired': { vi: 'Phiên đăng nhập đã hết hạn hoặc bị thu hồi; hãy đăng nhập lại.', en: 'Your session expired or was revoked; please sign in again.' },
  'session.unreachable': { vi: 'Không kết nối được máy chủ ({message}). Thử lại sau ít giây…', en: 'Cannot reach the server ({message}). Retrying in a few seconds…' },
  'session.retry': { vi: 'Thử lại', en: 'Retry' },
  'session.signedIn': { vi: 'Đăng nhập: {name} · {role}', en: 'Signed in: {name} · {role}' },
  'session.signOut': { vi: 'Đăng xuất', en: 'Sign out' },
  'session.open': { vi: 'KHÔNG ĐĂNG NHẬP (demo)', en: 'NO SIGN-IN (demo)' },
  'session.open.title': { vi: 'Máy chủ chạy không xác thực (chế độ demo): ai vào được trang này đều xem và thao tác được.', en: 'The server runs without authentication (demo mode): anyone who reaches this page may read and act.' },
  'session.denied': { vi: 'Vai trò {role} không được phép làm việc này', en: 'The {role} role may not do this' },
  'role.viewer': { vi: 'người xem', en: 'viewer' },
  'role.operator': { vi: 'điều hành viên', en: 'operator' },
  'role.rule-author': { vi: 'người viết luật', en: 'rule author' },
  'role.admin': { vi: 'quản trị', en: 'admin' },
  'role.integrator': { vi: 'tích hợp hệ thống', en: 'integrator' },
} as const satisfies Record<string, Record<Lang, string>>;

export type MessageKey = keyof typeof messages;

/**
 * A label in `lang`, with `{name}` placeholders filled in.
 * @example t('connection.reconnecting', 'en', { s: 4 }) // 'Disconnected · retrying in 4 s'
 */
export function t(key: MessageKey, lang: Lang, vars: Record<string, string | number> = {}): string {
  return messages[key][lang].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

export function severityLabel(s: Severity | undefined, lang: Lang): string {
  return t(s === undefined ? 'severity.normal' : `severity.${s}`, lang);
}

const langs: readonly Lang[] = ['vi', 'en'];

/**
 * The language to start in: `?lang=en` in the address, else the one last chosen on this computer, else Vietnamese.
 * @example initialLang('?lang=en', null) // 'en'
 */
export function initialLang(search: string, stored: string | null): Lang {
  const asked = new URLSearchParams(search).get('lang');
  return langs.find((l) => l === asked) ?? langs.find((l) => l === stored) ?? 'vi';
}

/** Where the chosen language is remembered (localStorage). */
export const LANG_STORAGE_KEY = 'ioc.lang';

/** Locale for dates and numbers; times are always Hanoi's, whatever the wall's computer says. */
export function formatTime(epochMs: number, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', second: '2-digit', day: '2-digit', month: '2-digit',
  }).format(epochMs);
}
