//! The UI's message catalog: every string a page or an error shows, in Simplified
//! Chinese (the default) and English. One table, so a missing translation cannot exist.

use std::collections::HashMap;
use std::sync::LazyLock;

pub use qiaolian_core::account::Locale;

tokio::task_local! {
    /// The locale of the request being handled, for errors rendered far from it.
    pub static LOCALE: Locale;
}

pub fn current() -> Locale {
    LOCALE.try_with(|l| *l).unwrap_or(Locale::ZhCn)
}

/// key, zh-CN, en
#[rustfmt::skip]
const CATALOG: &[(&str, &str, &str)] = &[
    ("app.name", "侨联协作平台", "Qiaolian Cooperation Platform"),
    // The name in the header, short enough to keep the menu on one line at 1366 px.
    ("app.brand", "侨联协作平台", "Qiaolian"),
    ("app.short", "侨联协作", "Qiaolian"),
    ("nav.home", "首页", "Home"),
    ("nav.orgs", "组织机构", "Organizations"),
    ("nav.tree", "组织树", "Tree"),
    ("nav.users", "用户管理", "Users"),
    ("nav.account", "账户设置", "Account settings"),
    ("nav.logout", "退出登录", "Sign out"),
    ("nav.api", "API 文档", "API docs"),
    ("nav.language", "语言", "Language"),
    ("nav.menu", "菜单", "Menu"),
    ("lang.switch_to", "English", "中文"),
    ("lang.zh-CN", "简体中文", "Simplified Chinese"),
    ("lang.en", "English", "English"),
    // Sign-in
    ("login.title", "登录", "Sign in"),
    ("login.login", "用户名", "Login"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    ("login.failed", "用户名或密码不正确。", "Login or password is incorrect."),
    ("login.throttled", "失败次数过多，请 {n} 秒后再试。", "Too many failed attempts. Try again in {n} seconds."),
    ("login.intro", "川渝侨联合作事项的记录、督办与报告", "Recording, supervising and reporting the federations' joint work"),
    // Home
    ("home.welcome", "欢迎，{n}", "Welcome, {n}"),
    ("home.supervision", "督办概览", "Supervision at a glance"),
    ("home.waiting", "本单位待办", "Waiting for my organization"),
    ("home.my_org", "我的组织", "My organization"),
    ("home.orgs_by_side", "各方组织数", "Organizations by side"),
    ("home.orgs_total", "组织总数", "Organizations in all"),
    ("home.role", "角色", "Role"),
    ("home.quick", "常用操作", "Shortcuts"),
    ("home.new_org", "新建组织", "New organization"),
    ("home.view_tree", "查看组织树", "View the tree"),
    // Organizations
    ("org.list_title", "组织机构", "Organizations"),
    ("org.tree_title", "组织树", "Organization tree"),
    ("org.new", "新建组织", "New organization"),
    ("org.new_child", "新建下级组织", "New sub-organization"),
    ("org.edit", "编辑", "Edit"),
    ("org.edit_title", "编辑组织", "Edit organization"),
    ("org.archive", "归档", "Archive"),
    ("org.restore", "恢复", "Restore"),
    ("org.archived", "已归档", "Archived"),
    ("org.archive_confirm", "确定归档该组织？归档后不再出现在列表中，可随时恢复。", "Archive this organization? It leaves the lists and can be restored at any time."),
    ("org.name", "名称", "Name"),
    ("org.short_name", "简称", "Short name"),
    ("org.kind", "类型", "Kind"),
    ("org.level", "层级", "Level"),
    ("org.side", "所属方", "Side"),
    ("org.region", "行政区划", "Region"),
    ("org.country", "国家或地区", "Country or region"),
    ("org.place", "所在地", "Location"),
    ("org.parent", "上级组织", "Parent organization"),
    ("org.parent_none", "（无，顶级组织）", "(none, top level)"),
    ("org.address", "地址", "Address"),
    ("org.phone", "电话", "Phone"),
    ("org.notes", "备注", "Notes"),
    ("org.children", "下级组织", "Sub-organizations"),
    ("org.no_children", "暂无下级组织。", "No sub-organizations yet."),
    ("org.subtree", "含下级", "with sub-organizations"),
    ("org.view_subtree", "查看全部下级", "All organizations below"),
    ("org.created", "创建时间", "Created"),
    ("org.updated", "更新时间", "Updated"),
    ("org.saved", "已保存。", "Saved."),
    ("org.empty", "没有符合条件的组织。", "No organization matches."),
    ("org.empty_hint", "可以调整筛选条件，或新建一个组织。", "Change the filters, or create an organization."),
    ("org.filter", "筛选", "Filter"),
    ("org.filter_reset", "清除筛选", "Clear filters"),
    ("org.search", "名称、简称、地址或城市", "Name, short name, address or city"),
    ("org.all", "全部", "All"),
    ("org.choose", "请选择", "Choose…"),
    ("org.under", "范围：{n} 及其下级", "Within: {n} and below"),
    ("org.include_archived", "含已归档", "Include archived"),
    ("org.total", "共 {n} 个", "{n} in all"),
    ("org.expand", "展开", "Expand"),
    ("org.child_count", "下级 {n} 个", "{n} below"),
    ("org.detail", "基本信息", "Details"),
    ("org.conflict", "保存失败：在你编辑期间，其他人已修改此组织。下面显示的是最新内容，请核对后重新保存。", "Not saved: someone else changed this organization while you were editing. The form now shows the latest version; check it and save again."),
    ("org.region_hint", "省级至乡镇级组织必填", "Required from province down to township level"),
    ("org.country_hint", "海外组织必填", "Required for overseas organizations"),
    ("org.region_none", "（不选）", "(none)"),
    ("org.association_section", "社团信息", "Association"),
    ("org.association_hint", "海外侨团、商会、校友会填写", "For overseas associations, chambers and alumni associations"),
    ("org.city", "所在城市", "City"),
    ("org.city_placeholder", "如：曼谷", "e.g. Bangkok"),
    ("org.founded_on", "成立时间", "Founded"),
    ("org.members_count", "会员数", "Members"),
    ("org.visits", "交流往来与活动", "Visits, exchanges and events"),
    ("org.all_exchanges", "查看全部交流", "All exchanges"),
    ("org.all_events", "查看全部活动", "All events"),
    ("org.no_events", "暂无相关活动。", "No events yet."),
    ("org.pairing", "结对", "Pairing"),
    ("org.associations", "海外侨团", "Overseas associations"),
    ("kind.federation", "侨联", "Federation"),
    ("kind.chamber", "商会/协会", "Chamber / association"),
    ("kind.alliance", "联盟", "Alliance"),
    ("kind.mechanism", "合作机制", "Mechanism"),
    ("kind.expert_committee", "专家委员会", "Expert committee"),
    ("kind.overseas_association", "海外侨团", "Overseas association"),
    ("kind.university_federation", "高校侨联", "University federation"),
    ("kind.alumni_association", "校友会", "Alumni association"),
    ("kind.media_outlet", "媒体", "Media outlet"),
    ("kind.government_body", "政府部门", "Government body"),
    ("kind.other", "其他", "Other"),
    ("level.national", "全国", "National"),
    ("level.province", "省级", "Province"),
    ("level.prefecture", "市（州）级", "Prefecture"),
    ("level.county", "区县级", "County / district"),
    ("level.township", "乡镇（街道）级", "Township"),
    ("level.community", "社区（村）级", "Community"),
    ("level.overseas", "海外", "Overseas"),
    ("role.admin", "系统管理员", "Administrator"),
    ("role.org_admin", "组织管理员", "Organization admin"),
    ("role.coordinator", "联络员", "Coordinator"),
    ("role.member", "工作人员", "Member"),
    ("role.viewer", "查看者", "Viewer"),
    // Account
    ("account.title", "账户设置", "Account settings"),
    ("account.profile", "个人信息", "Profile"),
    ("account.login", "用户名", "Login"),
    ("account.display_name", "姓名", "Name"),
    ("account.org", "所属组织", "Organization"),
    ("account.role", "角色", "Role"),
    ("account.language", "界面语言", "Interface language"),
    ("account.language_saved", "界面语言已更新。", "Interface language updated."),
    ("account.save", "保存", "Save"),
    ("account.password", "修改密码", "Change password"),
    ("account.current_password", "当前密码", "Current password"),
    ("account.new_password", "新密码", "New password"),
    ("account.confirm_password", "确认新密码", "Confirm new password"),
    ("account.password_hint", "至少 10 个字符", "At least 10 characters"),
    ("account.password_changed", "密码已修改，其他设备上的登录已退出。", "Password changed; other sessions were signed out."),
    // Users
    ("users.title", "用户管理", "Users"),
    ("users.new", "新建用户", "New user"),
    ("users.active", "状态", "Status"),
    ("users.enabled", "正常", "Active"),
    ("users.disabled", "停用", "Disabled"),
    ("users.created", "用户已创建。", "User created."),
    ("users.password", "初始密码", "Initial password"),
    ("users.total", "共 {n} 人", "{n} users"),
    ("users.empty", "暂无用户。", "No users yet."),
    // Cooperation: agreements, plans, tasks
    ("nav.agreements", "合作协议", "Agreements"),
    ("nav.tasks", "任务台账", "Task ledger"),
    ("nav.inbox", "待办", "Inbox"),
    ("form.conflict", "保存失败：在你编辑期间，其他人已修改了这条记录。你填写的内容已保留，核对后再次保存将以你的内容为准。", "Not saved: someone else changed this record while you were editing. What you typed is kept; saving again will replace their change."),
    ("form.their_version", "对方保存的内容：", "What they saved:"),
    ("agreement.list_title", "合作协议", "Agreements"),
    ("agreement.one", "协议", "Agreement"),
    ("agreement.new", "录入协议", "Record an agreement"),
    ("agreement.title", "协议名称", "Title"),
    ("agreement.kind", "协议类型", "Kind"),
    ("agreement.status", "状态", "Status"),
    ("agreement.signed_on", "签订日期", "Signed on"),
    ("agreement.valid_until", "有效期至", "Valid until"),
    ("agreement.summary", "主要内容", "Summary"),
    ("agreement.parties", "签约各方", "Parties"),
    ("agreement.parties_hint", "至少两方；第一行默认为本单位", "At least two; the first row is your organization"),
    ("agreement.party", "签约方", "Party"),
    ("agreement.party_role", "角色", "Role"),
    ("agreement.areas", "合作领域", "Areas of cooperation"),
    ("agreement.areas_hint", "按顺序填写，空行不保存", "In order; blank rows are ignored"),
    ("agreement.area_name", "领域名称", "Area"),
    ("agreement.area_description", "说明", "Description"),
    ("agreement.plans", "合作计划", "Plans"),
    ("agreement.no_plans", "还没有合作计划。", "No plans yet."),
    ("agreement.files", "协议文本与扫描件", "Text and scans"),
    ("agreement.upload", "上传扫描件", "Upload scans"),
    ("agreement.upload_submit", "上传", "Upload"),
    ("agreement.other_tasks", "未归入领域的任务", "Tasks outside the areas"),
    ("agreement.total", "共 {n} 份", "{n} agreements"),
    ("agreement.empty", "还没有可查看的协议。", "No agreements to show."),
    ("agreement.empty_hint", "录入协议后，签约各方及其上级组织都能看到。", "Once recorded, the parties and the organizations above them can see it."),
    ("agreement_kind.strategic", "战略合作协议", "Strategic agreement"),
    ("agreement_kind.framework", "合作框架协议", "Framework agreement"),
    ("agreement_kind.cooperation", "合作协议", "Cooperation agreement"),
    ("agreement_kind.mechanism_charter", "机制章程", "Mechanism charter"),
    ("agreement_status.draft", "草稿", "Draft"),
    ("agreement_status.in_force", "生效中", "In force"),
    ("agreement_status.expired", "已到期", "Expired"),
    ("agreement_status.terminated", "已终止", "Terminated"),
    ("party_role.signatory", "签约方", "Signatory"),
    ("party_role.lead", "牵头方", "Lead"),
    ("party_role.member", "成员", "Member"),
    ("plan.new", "新建计划", "New plan"),
    ("plan.title", "计划名称", "Plan title"),
    ("plan.owner", "责任单位（交办方）", "Owner (assigning organization)"),
    ("plan.period_start", "开始日期", "Starts"),
    ("plan.period_end", "结束日期", "Ends"),
    ("plan.cadence", "报送周期", "Reporting cadence"),
    ("plan.due_day", "报送日", "Due day"),
    ("plan.due_day_n", "每期 {n} 日前", "by day {n}"),
    ("plan.change_note", "修订说明", "What this revision changes"),
    ("plan.close_tasks", "以下未完成任务随修订关闭（不勾选的转入新版本）", "Close these open tasks with the revision (unticked ones move to the new version)"),
    ("plan.revise", "修订计划", "Revise plan"),
    ("plan.revision_n", "第 {n} 版", "Revision {n}"),
    ("plan.history", "修订记录", "Revisions"),
    ("plan.board", "看板", "Board"),
    ("plan.list", "列表", "List"),
    ("plan_status.active", "执行中", "Active"),
    ("plan_status.superseded", "已被新版本取代", "Superseded"),
    ("plan_status.closed", "已关闭", "Closed"),
    ("plan_field.title", "名称", "Title"),
    ("plan_field.period_start", "开始日期", "Start"),
    ("plan_field.period_end", "结束日期", "End"),
    ("plan_field.cadence", "报送周期", "Cadence"),
    ("plan_field.due_day", "报送日", "Due day"),
    ("plan_field.owner_org_name", "责任单位", "Owner"),
    ("cadence.none", "不定期", "No fixed cadence"),
    ("cadence.monthly", "每月", "Monthly"),
    ("cadence.quarterly", "每季度", "Quarterly"),
    ("task.list_title", "任务台账", "Task ledger"),
    ("task.new", "新建任务", "New task"),
    ("task.new_sub", "添加子任务", "Add sub-task"),
    ("task.plan", "所属计划", "Plan"),
    ("task.title", "任务名称", "Task"),
    ("task.fixes", "目标、标准、时限、要求", "Goal, standard, deadline, requirement"),
    ("task.goal", "目标", "Goal"),
    ("task.goal_hint", "定目标：要达成什么", "What is to be achieved"),
    ("task.standard", "标准", "Standard"),
    ("task.standard_hint", "定标准：怎样算完成", "How completion is judged"),
    ("task.start_on", "开始日期", "Starts"),
    ("task.deadline", "完成时限", "Deadline"),
    ("task.requirement", "要求", "Requirement"),
    ("task.requirement_hint", "定要求：报送、配合等要求", "Reporting and other requirements"),
    ("task.lead", "牵头单位", "Lead"),
    ("task.assigner", "交办单位", "Assigned by"),
    ("task.supporters", "配合单位", "Supporting"),
    ("task.responsible", "责任人", "Responsible"),
    ("task.weight", "权重", "Weight"),
    ("task.area", "合作领域", "Area"),
    ("task.parent", "上级任务", "Parent task"),
    ("task.subtasks", "子任务", "Sub-tasks"),
    ("task.subtasks_n", "{n} 项子任务", "{n} sub-tasks"),
    ("task.colour", "督办", "Status colour"),
    ("task.progress", "进度", "Progress"),
    ("task.expected", "序时进度", "Expected by now"),
    ("task.status", "状态", "State"),
    ("task.deadline_from", "时限自", "Deadline from"),
    ("task.deadline_to", "时限至", "Deadline to"),
    ("task.total", "共 {n} 项", "{n} tasks"),
    ("task.none", "暂无任务。", "No tasks."),
    ("task.ledger", "进展台账", "Progress ledger"),
    ("task.no_reports", "还没有进展报送。", "No progress reported yet."),
    ("task.supervision", "督办情况", "Supervision"),
    ("task.history", "办理记录", "History"),
    ("task.comment", "留言", "Comment"),
    ("task.source", "来源", "From"),
    ("task.comment_submit", "发表留言", "Post comment"),
    ("colour.red", "逾期", "Overdue"),
    ("colour.yellow", "滞后", "Behind"),
    ("colour.blue", "临期", "Due soon"),
    ("colour.green", "正常", "On track"),
    ("colour.grey", "已结束", "Ended"),
    ("status.draft", "草稿", "Draft"),
    ("status.assigned", "已交办", "Assigned"),
    ("status.accepted", "已接收", "Accepted"),
    ("status.in_progress", "推进中", "In progress"),
    ("status.reported_done", "待核验", "Awaiting verification"),
    ("status.closed", "已销号", "Closed"),
    ("status.cancelled", "已取消", "Cancelled"),
    ("step.assign", "交办", "Assign"),
    ("step.accept", "接收任务", "Accept"),
    ("step.report_done", "报告完成", "Report done"),
    ("step.close", "核验销号", "Verify and close"),
    ("step.refuse", "退回", "Send back"),
    ("step.cancel", "取消任务", "Cancel task"),
    ("step.refuse_reason", "退回原因", "Why it is sent back"),
    ("step.cancel_reason", "取消原因", "Why it is cancelled"),
    ("event.created", "创建任务", "Created"),
    ("event.edited", "修改任务", "Edited"),
    ("event.assign", "交办", "Assigned"),
    ("event.accept", "接收", "Accepted"),
    ("event.report", "报送进展", "Progress reported"),
    ("event.report_done", "报告完成", "Reported done"),
    ("event.close", "核验销号", "Verified and closed"),
    ("event.refuse", "退回", "Sent back"),
    ("event.cancel", "取消", "Cancelled"),
    ("event.comment", "留言", "Comment"),
    ("event.carried_forward", "随计划修订转入新版本", "Carried into the new plan revision"),
    ("event.closed_by_revision", "随计划修订关闭", "Closed by the plan revision"),
    ("report.new", "报送进展", "Report progress"),
    ("report.percent", "完成进度（%）", "Progress (%)"),
    ("report.date", "报送日期", "Date"),
    ("report.done", "完成情况", "What was done"),
    ("report.next_step", "下一步", "Next step"),
    ("report.problems", "存在问题", "Problems"),
    ("report.backwards_reason", "进度回退原因", "Why progress went back"),
    ("report.backwards_hint", "进度低于上次时必填", "Required when lower than last time"),
    ("report.evidence", "佐证材料", "Evidence"),
    ("report.submit", "提交", "Submit"),
    ("inbox.title", "待办", "Inbox"),
    ("inbox.to_accept", "待接收", "To accept"),
    ("inbox.to_report", "待报送", "Reports due"),
    ("inbox.overdue", "已逾期", "Overdue"),
    ("inbox.to_verify", "待核验", "To verify"),
    ("inbox.to_assign", "待交办", "Drafts to assign"),
    ("why.red", "已超过完成时限 {d} 天，进度 {p}%。", "{d} days past the deadline, at {p}%."),
    ("why.yellow", "按序时进度应完成 {e}%，实际 {p}%，落后 {b} 个百分点（落后 {m} 个及以上标黄）。", "Expected {e}% by now, at {p}%: {b} points behind ({m} or more turns yellow)."),
    ("why.blue", "距完成时限还有 {d} 天（{n} 天内标蓝）。", "{d} days to the deadline ({n} or fewer turns blue)."),
    ("why.green", "进度正常：序时进度 {e}%，实际 {p}%。", "On track: expected {e}%, at {p}%."),
    ("why.grey", "任务已销号或取消，不再督办。", "Closed or cancelled; no longer supervised."),
    ("err.changed_meanwhile", "任务刚被他人更新，请查看最新情况后再操作。", "The task was just changed by someone else; check it and try again."),
    // Network: pairings, mechanisms, meetings, exchanges
    ("nav.network", "合作网络", "Network"),
    ("pairing.title", "结对", "Pairings"),
    ("pairing.new", "新建结对", "New pairing"),
    ("pairing.pair", "结对双方", "Pair"),
    ("pairing.org_a", "甲方", "First organization"),
    ("pairing.org_b", "乙方", "Second organization"),
    ("pairing.level", "层级", "Level"),
    ("pairing.since", "结对时间", "Since"),
    ("pairing.last", "最近交流", "Last exchange"),
    ("pairing.count", "交流次数", "Exchanges"),
    ("pairing.status", "状态", "Status"),
    ("pairing.total", "共 {n} 对", "{n} pairings"),
    ("pairing.empty", "没有符合条件的结对。", "No pairing matches."),
    ("pairing_level.city", "市级", "City"),
    ("pairing_level.district", "区县级", "District"),
    ("pairing_level.township", "乡镇级", "Township"),
    ("pairing_level.community", "社区级", "Community"),
    ("pairing_status.active", "活跃", "Active"),
    ("pairing_status.dormant", "休眠", "Dormant"),
    ("mechanism.title", "合作机制", "Mechanisms"),
    ("mechanism.empty", "还没有合作机制。", "No mechanisms yet."),
    ("mechanism.members", "成员单位", "Members"),
    ("mechanism.members_n", "成员 {n} 家", "{n} members"),
    ("mechanism.no_members", "尚未登记成员。", "No members yet."),
    ("mechanism.convenor", "轮值召集单位", "Convenor"),
    ("mechanism.convenors", "轮值记录", "Convenors"),
    ("mechanism.now", "至今", "now"),
    ("mechanism.rotate", "轮值交接给", "Hand over to"),
    ("mechanism.from_on", "交接日期", "From"),
    ("meeting.title", "联席会议", "Joint meetings"),
    ("meeting.new", "记录会议", "Record a meeting"),
    ("meeting.empty", "还没有会议记录。", "No meetings yet."),
    ("meeting.name", "会议名称", "Meeting"),
    ("meeting.seq_n", "第 {n} 次", "No. {n}"),
    ("meeting.held_on", "召开日期", "Held on"),
    ("meeting.place", "地点", "Place"),
    ("meeting.host", "主办单位", "Host"),
    ("meeting.participants", "参会单位", "Participants"),
    ("meeting.agenda", "议程", "Agenda"),
    ("meeting.minutes", "会议纪要", "Minutes"),
    ("meeting.resolutions", "议定事项", "Resolutions"),
    ("meeting.resolution", "议定事项", "Resolution"),
    ("meeting.resolutions_hint", "逐条填写，按顺序编号；空行不保存", "One per line, numbered in order; blank lines are ignored"),
    ("meeting.resolutions_done", "已落实", "Done"),
    ("meeting.no_resolutions", "还没有议定事项。", "No resolutions yet."),
    ("meeting.add_resolution", "增加议定事项", "Add a resolution"),
    ("meeting.to_task", "转为任务", "Turn into a task"),
    ("meeting.new_plan", "新建落实计划", "New plan for its decisions"),
    ("resolution_status.open", "待分解", "Not yet a task"),
    ("resolution_status.in_progress", "落实中", "In progress"),
    ("resolution_status.done", "已落实", "Done"),
    ("exchange.title", "交流动态", "Exchanges"),
    ("exchange.new", "记录交流", "Record an exchange"),
    ("exchange.empty", "暂无交流记录。", "No exchanges yet."),
    ("exchange.date", "日期", "Date"),
    ("exchange.kind", "形式", "Kind"),
    ("exchange.from", "发起单位", "From"),
    ("exchange.to", "交流对象", "With"),
    ("exchange.summary", "内容", "Summary"),
    ("exchange.participants", "人数", "People"),
    ("exchange.people", "{n} 人", "{n} people"),
    ("exchange.year", "年份", "Year"),
    ("exchange.trend", "历年交流次数", "Exchanges per year"),
    ("exchange.count", "交流次数", "Exchanges"),
    ("exchange.per_side", "各方发起", "By side"),
    ("exchange.total", "共 {n} 次", "{n} exchanges"),
    ("exchange_kind.visit", "走访", "Visit"),
    ("exchange_kind.reception", "接待", "Reception"),
    ("exchange_kind.seminar", "座谈", "Seminar"),
    ("exchange_kind.video_call", "视频连线", "Video call"),
    ("exchange_kind.joint_activity", "联合活动", "Joint activity"),
    ("exchange_kind.other", "其他", "Other"),
    // Events and projects
    ("nav.events", "活动成效", "Events"),
    ("event.title", "活动", "Events"),
    ("event.new", "记录活动", "Record an event"),
    ("event.empty", "还没有活动记录。", "No events yet."),
    ("event.total", "共 {n} 场", "{n} events"),
    ("event.name", "活动名称", "Event"),
    ("event.kind", "类型", "Kind"),
    ("event.series", "品牌系列", "Series"),
    ("event.dates", "日期", "Dates"),
    ("event.starts_on", "开始日期", "Starts"),
    ("event.ends_on", "结束日期", "Ends"),
    ("event.status", "状态", "Status"),
    ("event.hosts", "主办及支持单位", "Hosts and supporters"),
    ("event.supporters", "支持单位", "Supporters"),
    ("event.participants", "参加人数", "Participants"),
    ("event.countries", "国家和地区数", "Countries and regions"),
    ("event.by_country", "参加人员来源（国家和地区）", "Participants by country or region"),
    ("event.endorsements", "批示", "Endorsements"),
    ("event_kind.economic", "经贸活动", "Economic and trade"),
    ("event_kind.culture", "文化活动", "Culture"),
    ("event_kind.liaison", "联谊联络", "Liaison"),
    ("event_kind.study_programme", "研修班", "Study programme"),
    ("event_kind.youth_camp_online", "网上营", "Online youth camp"),
    ("event_kind.youth_camp_offline", "夏令营", "Summer camp"),
    ("event_kind.media_tour", "媒体采访行", "Media tour"),
    ("event_kind.political_education", "思想政治引领", "Political education"),
    ("event_kind.conference", "大会", "Conference"),
    ("event_kind.other", "其他", "Other"),
    ("event_status.planned", "筹备中", "Planned"),
    ("event_status.held", "已举办", "Held"),
    ("event_status.cancelled", "已取消", "Cancelled"),
    ("event_role.host", "主办", "Host"),
    ("event_role.co_host", "承办", "Co-host"),
    ("event_role.supporter", "支持", "Supporter"),
    ("project.title", "签约项目", "Signed projects"),
    ("project.empty", "还没有签约项目。", "No signed projects yet."),
    ("project.new", "登记签约项目", "Record a signed project"),
    ("project.name", "项目名称", "Project"),
    ("project.amount", "签约金额", "Amount"),
    ("project.amount_yuan", "签约金额（元）", "Amount (yuan)"),
    ("project.investor", "投资方", "Investor"),
    ("project.region", "落地区域", "Landing region"),
    ("project.region_code", "区划代码", "Region code"),
    ("project.sector", "行业", "Sector"),
    ("project.status", "进展", "Stage"),
    ("project.note", "说明（回退时必填）", "Note (required to go back)"),
    ("project.signed", "签约项目", "Projects signed"),
    ("project.landed", "已落地", "Landed"),
    ("project_status.signed", "已签约", "Signed"),
    ("project_status.contracted", "已履约", "Contracted"),
    ("project_status.started", "已开工", "Started"),
    ("project_status.in_operation", "已投产运营", "In operation"),
    ("project_status.stalled", "停滞", "Stalled"),
    ("project_status.cancelled", "已终止", "Cancelled"),
    // Projects pipeline
    ("nav.projects", "签约项目", "Projects"),
    ("project.intro", "招商签约项目从签约到投产的全过程跟踪与落地率统计", "Signed projects followed from signing to operation, with landing rates"),
    ("project.year", "签约年度", "Year signed"),
    ("project.year_label", "{y}年", "{y}"),
    ("project.quarter_label", "{y}年第{q}季度", "{y} Q{q}"),
    ("project.region_filter", "落地地区", "Landing region"),
    ("project.region_placeholder", "如 510100", "e.g. 510100"),
    ("project.owner_org", "跟踪单位", "Followed up by"),
    ("project.reason_needed", "退回或恢复项目时，请说明原因", "Say why the project goes back or resumes"),
    ("project.region_hint", "区划代码：省 500000，市 510100，区县 500101", "Region code: province 500000, city 510100, county 500101"),
    ("project.owner", "跟踪单位（含下级）", "Followed up by (and below)"),
    ("project.status_not_cancelled", "全部有效项目（不含已终止）", "All live projects (not cancelled)"),
    ("project.status_landed", "已落地（已开工及投产运营）", "Landed (started or in operation)"),
    ("project.clear_filters", "清除筛选", "Clear filters"),
    ("project.pipeline", "各阶段项目", "Projects by stage"),
    ("project.rate_by_count", "落地率（按个数）", "Landing rate (count)"),
    ("project.rate_by_count_hint", "已落地个数 ÷ 有效签约个数", "Landed ÷ signed, by count"),
    ("project.rate_by_amount", "落地率（按金额）", "Landing rate (amount)"),
    ("project.rate_by_amount_hint", "已落地金额 ÷ 有效签约金额", "Landed ÷ signed, by amount"),
    ("project.landing", "项目落地情况", "Landing of projects"),
    ("project.landing_by", "统计维度", "Break down by"),
    ("landing_by.year", "年度", "Year"),
    ("landing_by.quarter", "季度", "Quarter"),
    ("landing_by.side", "片区", "Side"),
    ("landing_by.region", "地区", "Region"),
    ("landing_by.series", "品牌活动", "Event series"),
    ("project.signed_count", "签约个数", "Signed"),
    ("project.signed_amount", "签约金额", "Amount signed"),
    ("project.landed_count", "落地个数", "Landed"),
    ("project.landed_amount", "落地金额", "Amount landed"),
    ("project.unit_yi", "亿元", "100 million yuan"),
    ("project.unit_wan", "万元", "10,000 yuan"),
    ("project.no_series", "非品牌活动签约", "Signed outside a series"),
    ("project.list", "项目清单", "Projects"),
    ("project.total", "共 {n} 个项目", "{n} projects"),
    ("project.empty_filtered", "没有符合筛选条件的项目。", "No project matches these filters."),
    ("project.empty_hint", "项目在活动页面登记，签约后在项目页面记录进展。", "Projects are recorded on an event's page and followed up on their own page."),
    ("project.event", "签约活动", "Signed at"),
    ("project.signed_on", "签约日期", "Signed on"),
    ("project.details", "项目信息", "Project details"),
    ("project.yuan", "元", "yuan"),
    ("project.record_step", "记录项目进展", "Record progress"),
    ("project.new_status", "推进到", "Move to"),
    ("project.current", "当前", "current"),
    ("project.happened_on", "发生日期", "Date"),
    ("project.save_step", "保存进展", "Save progress"),
    ("project.timeline", "项目进展记录", "Project timeline"),
    ("project.update_status", "推进", "Update status"),
    ("project.conflict", "项目刚被他人更新，请查看最新进展后再提交。", "Someone else just updated this project; check the latest steps and submit again."),
    // Donations
    ("nav.donations", "捐赠台账", "Donations"),
    ("donation.title", "捐赠台账", "Donation ledger"),
    ("donation.new", "登记捐赠", "Record a donation"),
    ("donation.count", "共 {n} 笔", "{n} donations"),
    ("donation.total", "捐赠总额", "Total"),
    ("donation.money", "捐款", "Money"),
    ("donation.goods_value", "捐物折价", "Goods (value)"),
    ("donation.received", "已到账", "Received"),
    ("donation.allocated", "已分配", "Allocated"),
    ("donation.unallocated", "待分配", "Not yet allocated"),
    ("donation.campaign", "捐赠项目", "Campaign"),
    ("donation.campaign_hint", "如“2020年抗击新冠肺炎疫情捐赠”；新名称会自动建立", "e.g. an appeal's name; a new name creates the campaign"),
    ("donation.year", "年度", "Year"),
    ("donation.status", "状态", "Status"),
    ("donation.form", "捐赠形式", "Form"),
    ("donation.clear", "清除", "Clear"),
    ("donation.empty", "还没有捐赠记录。", "No donations recorded yet."),
    ("donation.empty_filtered", "没有符合条件的捐赠记录。", "No donations match these filters."),
    ("donation.donor", "捐赠方", "Donor"),
    ("donation.donor_hint", "社团、企业或个人名称", "Association, company or person"),
    ("donation.country", "国家或地区", "Country or region"),
    ("donation.given_on", "捐赠日期", "Date given"),
    ("donation.amount", "金额", "Amount"),
    ("donation.amount_yuan", "金额（元）", "Amount (yuan)"),
    ("donation.amount_hint", "捐物填折合人民币价值", "For goods, their value in yuan"),
    ("donation.goods_description", "物资名称及数量", "Goods and quantity"),
    ("donation.goods_hint", "捐物必填，如：医用外科口罩 10 万只", "Required for goods, e.g. 100,000 surgical masks"),
    ("donation.purpose", "捐赠用途", "Purpose"),
    ("donation.recipient", "受赠单位", "Recipient"),
    ("donation.receipt_no", "收据编号", "Receipt no."),
    ("donation.receipt", "打印收据", "Print receipt"),
    ("donation.receipt_title", "捐赠收据", "Donation receipt"),
    ("donation.print", "打印", "Print"),
    ("donation.details", "捐赠信息", "Details"),
    ("donation.allocations", "使用分配", "Allocations"),
    ("donation.no_allocations", "尚未分配使用。", "Not allocated yet."),
    ("donation.allocate", "登记分配", "Allocate"),
    ("donation.use", "用途", "Use"),
    ("donation.use_hint", "如：医疗物资采购、一线医护慰问", "e.g. medical supplies, support for front-line staff"),
    ("donation.allocated_on", "分配日期", "Allocated on"),
    ("donation.history", "状态记录", "Status history"),
    ("donation.change_status", "变更状态", "Change status"),
    ("donation.happened_on", "日期", "Date"),
    ("donation.note", "说明（回退时必填）", "Note (required to go back)"),
    ("donation_status.pledged", "已认捐", "Pledged"),
    ("donation_status.received", "已到账", "Received"),
    ("donation_status.allocated", "已分配", "Allocated"),
    ("donation_form.money", "捐款", "Money"),
    ("donation_form.goods", "捐物", "Goods"),
    ("err.zero_amount", "金额应大于 0", "The amount must be more than 0"),
    ("err.duplicate_receipt", "本单位已有这个收据编号", "This receipt number is already used by the recipient"),
    ("err.status_unchanged", "已处于这个状态", "Already in this state"),
    ("err.not_fully_allocated", "全部分配完毕后才是“已分配”，请登记分配", "A donation becomes allocated once allocations use it up"),
    ("err.before_donation", "日期早于捐赠日期", "The date is before the donation"),
    ("err.not_received", "捐赠到账后才能分配", "Only a received donation can be allocated"),
    ("err.over_allocation", "分配合计不能超过捐赠金额", "Allocations cannot exceed the donation"),
    // Common
    ("common.save", "保存", "Save"),
    ("common.cancel", "取消", "Cancel"),
    ("common.back", "返回", "Back"),
    ("common.create", "创建", "Create"),
    ("common.actions", "操作", "Actions"),
    ("common.prev", "上一页", "Previous"),
    ("common.next", "下一页", "Next"),
    ("common.page", "第 {n} 页", "Page {n}"),
    ("common.none", "—", "—"),
    ("common.required", "必填", "required"),
    ("common.form_errors", "请修改下面标出的项目后再提交。", "Please correct the fields marked below."),
    ("common.home", "返回首页", "Back to the home page"),
    // Error pages
    ("error.404.title", "页面不存在", "Page not found"),
    ("error.404.text", "您访问的页面不存在，或已被移动。", "The page you asked for does not exist or has moved."),
    ("error.403.title", "没有权限", "Not allowed"),
    ("error.403.text", "您的账户没有执行此操作的权限。如需开通，请联系本组织管理员。", "Your account may not do this. Ask your organization's administrator if you need it."),
    ("error.409.title", "内容已被他人修改", "Changed by someone else"),
    ("error.409.text", "在您操作期间，其他人修改了这条记录。请刷新后重试。", "Someone else changed this record meanwhile. Reload and try again."),
    ("error.413.title", "提交的内容过大", "Too much data"),
    ("error.413.text", "提交的内容超过了允许的大小。", "What you sent is larger than allowed."),
    ("error.400.title", "请求有误", "Bad request"),
    ("error.400.text", "提交的内容无法识别，请返回后重试。", "The request could not be understood. Go back and try again."),
    ("error.503.title", "系统繁忙", "Busy right now"),
    ("error.503.text", "系统暂时无法处理您的请求，您填写的内容没有丢失。请稍后返回重试。", "The system cannot handle your request right now; nothing you entered was saved or lost. Go back and try again shortly."),
    ("error.500.title", "系统出错了", "Something went wrong"),
    ("error.500.text", "系统处理时出错，我们已记录此问题。请稍后重试。", "The system failed to handle this; the problem has been logged. Please try again later."),
    ("error.csrf.title", "页面已过期", "Page expired"),
    ("error.csrf.text", "为保护您的账户，本次提交被拒绝。请刷新页面后重新提交。", "To protect your account this submission was refused. Reload the page and submit again."),
    // Field and API error messages, by code
    ("err.required", "此项为必填项", "This field is required"),
    ("err.too_long", "不能超过 {n} 个字符", "At most {n} characters"),
    ("err.control_chars", "含有不可见的控制字符", "Contains invisible control characters"),
    ("err.unknown_value", "不是有效的选项", "Not a valid choice"),
    ("err.bad_phone", "电话号码格式不正确（可含 +、空格、-、括号，5–20 位数字）", "Not a valid phone number (digits with + - ( ) and spaces, 5–20 digits)"),
    ("err.bad_region_code", "行政区划代码应为 6 位或 9 位数字", "A region code has 6 or 9 digits"),
    ("err.unknown_region", "没有这个行政区划代码", "No such region code"),
    ("err.unknown_country", "没有这个国家或地区代码", "No such country or region code"),
    ("err.region_not_for_overseas", "海外组织不填国内行政区划", "Overseas organizations have no Chinese region"),
    ("err.region_outside_side", "行政区划不在所属方的范围内", "The region is outside the side's province"),
    ("err.side_level_mismatch", "海外层级的组织应属于“海外”方，反之亦然", "Overseas-level organizations belong to the overseas side, and only they do"),
    ("err.unknown_side", "没有这个所属方", "No such side"),
    ("err.side_change_not_allowed", "所属方只能由系统管理员更改", "Only an administrator may change the side"),
    ("person.withheld", "姓名不公开", "Name withheld"),
    ("camp.withheld_n", "{n} 名参与者（姓名不公开）", "{n} participant(s), names withheld"),
    ("camp.withheld_hint", "名册中的姓名和出生日期仅对可编辑本活动的组织显示；您可查看的人员库人员照常显示。", "Names and birth dates in a register are shown to the organizations that may edit the event; people of the directory you may open are shown as usual."),
    ("err.side_of_parent", "新组织与上级组织同属一方；如需另设，请联系系统管理员", "A new organization is on its parent's side; ask an administrator for another"),
    ("err.move_out_of_reach", "不能把组织移出您有权管理的范围", "You cannot move an organization outside what you manage"),
    ("org.side_admin_only", "所属方决定本组织人员可查看的范围，只能由系统管理员更改", "The side decides what the organization's people see; only an administrator changes it"),
    ("err.unknown_org", "没有这个组织", "No such organization"),
    ("err.parent_archived", "上级组织已归档", "The parent organization is archived"),
    ("err.parent_cycle", "不能把组织移到它自己或它的下级之下", "An organization cannot be moved under itself or below it"),
    ("err.duplicate_name", "同一上级组织下已有同名组织", "An organization of this name already exists under the same parent"),
    ("err.has_active_children", "该组织还有未归档的下级组织，请先处理下级组织", "This organization still has active sub-organizations"),
    ("err.has_active_users", "该组织还有在用的用户账户", "This organization still has active user accounts"),
    ("err.bad_login", "用户名须为 3–40 位小写字母、数字或 . _ -", "A login has 3–40 lowercase letters, digits or . _ -"),
    ("err.login_taken", "该用户名已被使用", "This login is taken"),
    ("err.password_too_short", "密码至少需要 {n} 个字符", "A password needs at least {n} characters"),
    ("err.wrong_password", "当前密码不正确", "The current password is wrong"),
    ("err.passwords_differ", "两次输入的新密码不一致", "The two new passwords differ"),
    ("err.role_too_high", "不能授予高于自己的角色", "You cannot grant a role above your own"),
    ("err.cannot_change_self", "不能停用自己的账户或更改自己的角色", "You cannot disable your own account or change your own role"),
    ("err.bad_token_days", "有效期应为 1–{n} 天", "A token lasts 1–{n} days"),
    ("err.bad_code", "代码须为 2–20 位小写字母、数字或 -", "A code has 2–20 lowercase letters, digits or -"),
    ("err.code_taken", "该代码已被使用", "This code is taken"),
    ("err.not_a_province", "应为省级行政区划代码", "Must be a province's code"),
    ("err.region_only_for_members", "只有成员方对应省级行政区划", "Only member sides have a province"),
    ("err.bad_date", "日期格式应为 年-月-日，如 2024-09-28", "Dates are written YYYY-MM-DD, e.g. 2024-09-28"),
    ("err.ends_before_start", "结束日期早于开始日期", "The end date is before the start date"),
    ("err.too_few_parties", "协议至少需要两个签约方", "An agreement needs at least two parties"),
    ("err.duplicate_party", "同一组织重复列为签约方", "The same organization is listed twice"),
    ("err.area_in_use", "该合作领域下已有任务，不能删除", "This area has tasks and cannot be removed"),
    ("err.unknown_agreement", "没有这个协议，或无权查看", "No such agreement, or not visible to you"),
    ("err.bad_due_day", "报送日应为每月 1–28 日", "The due day is 1–28"),
    ("err.plan_not_active", "该计划已被新版本取代或已关闭", "This plan was superseded or closed"),
    ("err.unknown_plan", "没有这个计划，或无权查看", "No such plan, or not visible to you"),
    ("err.lead_cannot_support", "牵头单位不能同时作为配合单位", "The lead organization cannot also support"),
    ("err.unknown_area", "该合作领域不属于本计划所在协议", "This area is not part of the plan's agreement"),
    ("err.unknown_parent", "上级任务须属于同一计划", "The parent task must be in the same plan"),
    ("err.task_parent_cycle", "不能把任务设为它自己或它的下级任务的子任务", "A task cannot become a sub-task of itself or of its own sub-tasks"),
    ("err.too_deep", "子任务最多 {n} 层", "Sub-tasks nest at most {n} levels deep"),
    ("err.unknown_mechanism", "没有这个合作机制，或无权查看", "No such mechanism, or not visible to you"),
    ("err.deadline_before_start", "完成时限早于开始日期", "The deadline is before the start date"),
    ("err.bad_weight", "权重应为 1–100", "The weight is 1–100"),
    ("err.task_closed", "任务已销号或已取消，不能再修改或报送", "The task is closed or cancelled"),
    ("err.bad_transition", "任务当前状态下不能执行此操作", "This step is not possible in the task's current state"),
    ("err.progress_not_complete", "进度达到 100% 后才能报告完成", "Report 100% progress before reporting the task done"),
    ("err.not_reportable", "任务接收后才能报送进度", "Progress can be reported once the task is accepted"),
    ("err.has_subtasks", "有子任务的任务，进度由子任务按权重汇总", "A task with sub-tasks takes its progress from them"),
    ("err.date_in_future", "日期不能晚于今天", "The date cannot be in the future"),
    ("err.percent_range", "进度应为 0–100", "Progress is 0–100"),
    ("err.backwards_without_reason", "退回或倒退时请说明原因", "Going back needs a reason"),
    ("err.empty_file", "文件是空的", "The file is empty"),
    ("err.file_too_large", "文件不能超过 {n} MB", "Files are at most {n} MB"),
    ("err.bad_upload", "上传的内容无法读取", "The upload could not be read"),
    ("err.pairing_with_itself", "组织不能与自身结对", "An organization cannot be paired with itself"),
    ("err.pairing_exists", "这两个组织已经结对", "These two organizations are already paired"),
    ("err.unknown_pairing", "没有这个结对", "No such pairing"),
    ("err.bad_count", "数量应为不小于 0 的整数", "A count is a whole number, 0 or more"),
    ("err.exchange_with_itself", "交流对象不能是发起单位自身", "An organization cannot visit itself"),
    ("err.seq_taken", "该届次的会议已经存在", "A meeting with this number already exists"),
    ("err.member_of_itself", "机制不能成为自身的成员", "A mechanism cannot be its own member"),
    ("err.convenor_must_stay", "现任召集单位不能移出成员", "The current convenor must remain a member"),
    ("err.convenor_not_member", "召集单位须是机制成员", "The convenor must be a member"),
    ("err.before_current_term", "轮值日期须晚于现任召集单位的开始日期", "The rotation must come after the current term began"),
    ("err.unknown_meeting", "没有这个会议", "No such meeting"),
    ("err.unknown_resolution", "没有这个议定事项", "No such resolution"),
    ("err.bad_amount", "金额应为数字，如 1234.56（单位：元）", "An amount is a number such as 1234.56 (yuan)"),
    ("err.negative_amount", "金额不能为负数", "An amount cannot be negative"),
    ("err.too_many_decimals", "金额最多保留两位小数（到分）", "At most two decimals (fen)"),
    ("err.amount_too_large", "金额过大，请核对单位（元）", "The amount is too large; check the unit (yuan)"),
    ("err.host_required", "至少需要一个主办单位", "At least one host is needed"),
    ("err.duplicate_country", "同一国家或地区重复填写", "The same country is listed twice"),
    ("err.unknown_event", "没有这个活动", "No such event"),
    ("err.before_signing", "日期早于签约日期", "The date is before the signing"),
    ("err.same_status", "项目已处于这个状态", "The project is already in this state"),
    ("err.wrong_type", "数据类型不对（如应为文字却给了数字）", "Wrong type of value (e.g. a number where text belongs)"),
    ("token.title", "API 令牌", "API tokens"),
    ("token.intro", "脚本和其他系统用令牌调用本平台的 API，权限与您的账户相同。令牌到期、被吊销或您修改密码后即失效。", "Scripts and other systems call this platform's API with a token that acts as your account. A token stops working when it expires, is revoked, or you change your password."),
    ("token.name", "用途", "Purpose"),
    ("token.name_hint", "如：月报导出脚本", "e.g. monthly report export"),
    ("token.days", "有效天数", "Valid for (days)"),
    ("token.create", "创建令牌", "Create token"),
    ("token.copy_now", "请立即复制并妥善保存这个令牌：离开本页后将无法再次查看。", "Copy this token now and keep it safe: it cannot be shown again once you leave this page."),
    ("token.secret", "令牌", "Token"),
    ("token.none", "还没有创建过令牌。", "No tokens yet."),
    ("token.created", "创建日期", "Created"),
    ("token.expires", "到期日期", "Expires"),
    ("token.last_used", "最近使用", "Last used"),
    ("token.never_used", "未使用", "Never"),
    ("token.state", "状态", "State"),
    ("token.active", "有效", "Active"),
    ("token.revoked", "已吊销", "Revoked"),
    ("token.expired", "已过期", "Expired"),
    ("token.revoke", "吊销", "Revoke"),
    ("token.revoke_confirm", "吊销后使用此令牌的脚本将立即无法访问，确定吊销吗？", "Scripts using this token will lose access at once. Revoke it?"),
    ("account.token_created", "令牌已创建。", "Token created."),
    ("account.token_revoked", "令牌已吊销。", "Token revoked."),
    ("users.saved", "账户已保存。", "Account saved."),
    ("users.may_sign_in", "允许登录", "May sign in"),
    ("users.disable_hint", "停用或更改角色后，该账户所有已登录的会话和 API 令牌立即失效。", "Disabling the account or changing its role ends all its sessions and revokes its API tokens at once."),
    ("api.unauthorized", "需要登录", "Authentication required"),
    ("api.forbidden", "没有权限", "Not allowed"),
    ("api.not_found", "不存在", "Not found"),
    ("api.invalid", "提交的数据有误", "Invalid input"),
    ("api.conflict", "记录已被他人修改", "The record was changed by someone else"),
    ("api.too_many", "失败次数过多，请稍后再试", "Too many failed attempts; try again later"),
    ("api.bad_json", "请求体不是有效的 JSON", "The request body is not valid JSON"),
    ("api.too_large", "请求体过大", "The request body is too large"),
    ("api.csrf", "缺少或错误的 CSRF 令牌", "Missing or wrong CSRF token"),
    ("api.bad_query", "查询参数有误", "Invalid query parameters"),
    ("api.internal", "服务器内部错误", "Internal server error"),
    ("api.bad_request", "请求有误：路径、参数或请求体无法识别", "Bad request: the path, parameters or body could not be read"),
    ("api.method_not_allowed", "该地址不支持此请求方法", "This address does not accept this method"),
    ("api.uri_too_long", "请求地址过长", "The request address is too long"),
    ("api.unsupported_media_type", "请求体的类型不受支持", "The body's content type is not accepted here"),
    ("api.unavailable", "系统繁忙或数据库暂时无法访问，请稍后重试", "The system is busy or the database is unreachable; try again shortly"),
    // Outcomes: editing events, calendar, sessions and registers, talents, coverage, roll-ups
    ("common.edit", "编辑", "Edit"),
    ("common.all", "全部", "All"),
    ("common.filter", "筛选", "Filter"),
    ("audit.title", "审计记录", "Audit trail"),
    ("audit.intro", "登录、账户与令牌、组织归属的变更，以及对联络对象的查看、导出、修改和删除，都按时间顺序记录并以哈希链相连，任何篡改或删除都会被校验发现。", "Sign-ins, account and token changes, changes of an organization's side or parent, and every view, export, edit and erasure of a person are recorded in order and chained by hashes, so any alteration or removal is found by the check."),
    ("audit.verify", "校验审计链", "Check the chain"),
    ("audit.verify_hint", "校验会逐条核对全部记录。", "The check walks every entry."),
    ("audit.intact", "审计链完好", "Chain intact"),
    ("audit.broken", "审计链已被破坏", "Chain broken"),
    ("audit.first_bad", "第一条异常记录：#{n}（该记录被改动，或其前面的记录被删除）", "First bad entry: #{n} (it was altered, or an entry before it was removed)"),
    ("audit.entries", "共 {n} 条", "{n} entries"),
    ("audit.entity", "记录类别", "Kind of record"),
    ("audit.action", "操作", "Action"),
    ("audit.at", "时间", "Time"),
    ("audit.who", "操作人", "By"),
    ("audit.record", "记录", "Record"),
    ("audit.detail", "说明", "Detail"),
    ("audit.empty", "没有符合条件的审计记录。", "No entries match."),
    ("audit.from", "来自", "from"),
    ("audit_entity.account", "账户", "Account"),
    ("audit_entity.api_token", "API 令牌", "API token"),
    ("audit_entity.org", "组织", "Organization"),
    ("audit_entity.person", "联络对象", "Person"),
    ("users.audit", "审计记录", "Audit trail"),
    ("common.bad_filter", "筛选条件有误，已显示全部。", "The filters were not valid; showing everything."),
    ("event.edit", "编辑活动", "Edit event"),
    ("event.cohosts", "承办/协办单位", "Co-hosts"),
    ("event.counted_from_register", "本活动已实名登记参加人员，各国家和地区人数按名册自动统计。", "This event has a named register; participants by country are counted from it."),
    ("event.links", "关联记录", "Linked records"),
    ("event.link_agreement", "所落实的合作协议", "The agreement it carries out"),
    ("event.link_mechanism", "所属合作机制", "The cooperation mechanism"),
    ("event.link_pairing", "所属结对", "The pairing"),
    ("event.files", "附件", "Files"),
    ("event.files_empty", "暂无附件（如活动方案、照片、纪要）。", "No files yet (programme, photos, minutes)."),
    ("event.upload", "上传", "Upload"),
    ("event.calendar", "活动日历", "Event calendar"),
    ("event.prev_month", "上月", "Previous month"),
    ("event.next_month", "下月", "Next month"),
    ("event.this_month", "本月", "This month"),
    ("event.more_n", "另有 {n} 场", "{n} more"),
    ("event.month_empty", "本月没有活动。", "No events this month."),
    ("weekday.mon", "周一", "Mon"),
    ("weekday.tue", "周二", "Tue"),
    ("weekday.wed", "周三", "Wed"),
    ("weekday.thu", "周四", "Thu"),
    ("weekday.fri", "周五", "Fri"),
    ("weekday.sat", "周六", "Sat"),
    ("weekday.sun", "周日", "Sun"),
    ("camp.sessions", "期次安排", "Sessions"),
    ("camp.sessions_empty", "还没有安排期次。", "No sessions yet."),
    ("camp.add_session", "添加期次", "Add a session"),
    ("camp.session_title", "期次名称", "Session"),
    ("camp.session_placeholder", "如：重庆段、第一期", "e.g. Chongqing leg, first session"),
    ("camp.session", "期次", "Session"),
    ("camp.people_n", "{n} 人", "{n} people"),
    ("camp.register", "实名名册", "Named register"),
    ("camp.register_empty", "尚未实名登记参加人员；参加人数按国家和地区填报。", "No named register; participants are counted by country."),
    ("camp.add_participant", "登记参加人员", "Register a participant"),
    ("camp.name", "姓名", "Name"),
    ("camp.born_on", "出生日期", "Date of birth"),
    ("camp.other_camps", "同年其他营次", "Other camps this year"),
    ("camp.multi", "一人多营", "In several camps"),
    ("camp.multi_title", "一人多营名单", "Campers in several camps"),
    ("camp.multi_hint", "同一年度内在两个及以上营次登记的营员（姓名、国家和出生日期相同）。", "Campers registered in two or more camps of the same year (same name, country and date of birth)."),
    ("camp.multi_empty", "该年度没有一人多营的情况。", "Nobody is registered in more than one camp this year."),
    ("camp.camps", "所在营次", "Camps"),
    ("talent.title", "引进人才", "Talents"),
    ("talent.total", "共 {n} 人", "{n} talents"),
    ("talent.empty", "还没有引进人才记录。", "No talents recorded yet."),
    ("talent.new", "登记引进人才", "Record a talent"),
    ("talent.name", "姓名", "Name"),
    ("talent.field", "专业领域", "Field"),
    ("talent.level", "层次", "Level"),
    ("talent.country", "来自国家或地区", "From"),
    ("talent.event", "引进渠道（活动）", "Event"),
    ("talent.org", "接收单位", "Received by"),
    ("talent.received_on", "引进日期", "Date"),
    ("talent_level.national", "国家级", "National"),
    ("talent_level.provincial", "省级", "Provincial"),
    ("talent_level.municipal", "市（区县）级", "Municipal"),
    ("talent_level.other", "其他", "Other"),
    ("article.title", "媒体报道", "Media coverage"),
    ("article.coverage", "媒体报道", "Media coverage"),
    ("article.total", "共 {n} 篇", "{n} articles"),
    ("article.outlets_n", "{n} 家媒体", "{n} outlets"),
    ("article.empty", "还没有报道记录。", "No articles recorded yet."),
    ("article.new", "登记报道", "Record an article"),
    ("article.no_outlets", "还没有媒体机构。请先在组织中新建类型为“媒体”的机构。", "No media outlets yet. Create an organization of kind media first."),
    ("article.name", "稿件标题", "Title"),
    ("article.outlet", "刊发媒体", "Outlet"),
    ("article.url", "链接", "Link"),
    ("article.published_on", "刊发日期", "Published"),
    ("article.language", "语种", "Language"),
    ("article.event", "所报道活动", "Event covered"),
    ("language.zh", "中文", "Chinese"),
    ("language.en", "英文", "English"),
    ("language.th", "泰文", "Thai"),
    ("language.ja", "日文", "Japanese"),
    ("language.ko", "韩文", "Korean"),
    ("language.vi", "越南文", "Vietnamese"),
    ("language.id", "印尼文", "Indonesian"),
    ("language.ms", "马来文", "Malay"),
    ("language.fr", "法文", "French"),
    ("language.de", "德文", "German"),
    ("language.es", "西班牙文", "Spanish"),
    ("language.pt", "葡萄牙文", "Portuguese"),
    ("language.ru", "俄文", "Russian"),
    ("language.ar", "阿拉伯文", "Arabic"),
    ("language.other", "其他语种", "Other"),
    ("outcome.title", "成果统计", "Outcomes"),
    ("outcome.hint", "各项数字均由活动、项目、人才、报道记录实时汇总，点击可查看明细。", "Every figure is counted from the records; click it to see them."),
    ("outcome.org", "组织（含下级）", "Organization (with those below)"),
    ("outcome.events", "已举办活动", "Events held"),
    ("outcome.participants", "参与人次", "Participants"),
    ("outcome.from_countries", "来自 {n} 个国家和地区", "from {n} countries and regions"),
    ("outcome.countries_n", "{n} 个", "{n}"),
    ("outcome.events_n", "{n} 场", "{n} events"),
    ("outcome.donations", "捐赠款物", "Donations"),
    ("outcome.donations_n", "{n} 笔", "{n} gifts"),
    ("outcome.by_year", "逐年统计", "Year by year"),
    ("outcome.empty", "所选范围内还没有记录。", "No records in this scope."),
    ("err.unknown_series", "没有这个品牌系列", "No such series"),
    ("err.unknown_link", "关联的记录不存在", "The linked record does not exist"),
    ("err.outside_event", "期次日期须在活动日期之内", "A session falls within the event's dates"),
    ("err.already_registered", "此人已在本活动登记", "This person is already registered for this event"),
    ("err.unknown_session", "没有这个期次", "No such session"),
    ("err.not_media_outlet", "所选组织不是媒体机构", "This organization is not a media outlet"),
    ("err.bad_url", "链接应以 http:// 或 https:// 开头", "A link starts with http:// or https://"),
    // Search across everything
    ("search.title", "搜索", "Search"),
    ("search.placeholder", "组织、联络人、协议、任务、会议、活动、项目：名称、拼音或关键词", "Organizations, people, agreements, tasks, meetings, events, projects: name, pinyin or keyword"),
    ("search.box", "搜索…", "Search…"),
    ("search.go", "搜索", "Search"),
    ("search.start", "要找什么？", "What are you looking for?"),
    ("search.start_hint", "输入名称、一两个字、拼音或关键词；简体、繁体均可，例如：重慶、志明、chongqing。", "Type a name, one or two characters, pinyin or a keyword, in simplified or traditional characters, e.g. 重慶, 志明, chongqing."),
    ("search.no_words", "请输入文字、字母或数字", "Type some characters, letters or digits"),
    ("search.none", "没有找到相关记录", "Nothing found"),
    ("search.none_hint", "只显示您有权查看的记录。可以换个说法，或只输入名称中的一两个字。", "Only records you may see are shown. Try other words, or one or two characters of a name."),
    ("search.all", "全部结果", "All results"),
    ("search.by_kind", "按类别", "By kind"),
    ("search.total", "共 {n} 条", "{n} in all"),
    ("search.more", "查看全部 {n} 条", "See all {n}"),
    ("search.kind.org", "组织", "Organizations"),
    ("search.kind.person", "联络人", "People"),
    ("search.kind.agreement", "合作协议", "Agreements"),
    ("search.kind.task", "任务", "Tasks"),
    ("search.kind.meeting", "联席会议", "Meetings"),
    ("search.kind.event", "活动", "Events"),
    ("search.kind.project", "签约项目", "Projects"),
    // Directory of people
    ("nav.people", "联络名录", "Directory"),
    ("person.title", "海外联络名录", "Directory of people"),
    ("person.hint", "侨领、侨商、专家、媒体等联络对象；联系方式默认隐藏，查看与导出均有记录。", "Leaders, business people, experts, media and others; contact details are masked, and every view and export is recorded."),
    ("person.new", "登记联络对象", "Record a person"),
    ("person.edit", "编辑联络对象", "Edit a person"),
    ("org.members", "负责人及任职人员", "Leaders and office holders"),
    ("person.contact_kind", "联系方式类型", "Kind of contact"),
    ("person.conflict", "此人信息刚被他人修改。下面是您填写的内容，核对后再次保存将覆盖对方的修改。", "Someone else just changed this person. Below is what you typed; saving again overwrites their change."),
    ("person.search", "姓名 / 外文名 / 拼音", "Name, foreign name or pinyin"),
    ("person.search_placeholder", "如：陈志明、chen、Chee Meng", "e.g. 陈志明, chen, Chee Meng"),
    ("person.total", "共 {n} 人", "{n} people"),
    ("person.empty", "没有找到联络对象。", "Nobody found."),
    ("person.empty_hint", "可以调整查询条件，或登记一位新的联络对象。", "Change the search, or record someone."),
    ("person.name", "姓名", "Name"),
    ("person.foreign_name", "外文名 / 其他名字", "Foreign or other name"),
    ("person.gender", "性别", "Gender"),
    ("person.residence_country", "居住国家或地区", "Country of residence"),
    ("person.nationality", "国籍", "Nationality"),
    ("person.origin_region", "籍贯", "Ancestral home"),
    ("person.origin_region_code", "籍贯（区划代码）", "Ancestral home (region code)"),
    ("person.category", "类别", "Category"),
    ("person.tags", "标签", "Tags"),
    ("person.tags_placeholder", "用逗号或顿号分隔", "Separated by commas"),
    ("person.contacts", "联系方式", "Contact details"),
    ("person.no_contacts", "没有登记联系方式。", "No contact details recorded."),
    ("person.reveal", "查看完整联系方式", "Show contact details"),
    ("person.masked_hint", "联系方式已隐藏；查看完整信息将记入审计记录。", "Contact details are masked; showing them is recorded in the audit trail."),
    ("person.masked_no_right", "联系方式已隐藏；如需联系，请与登记单位联系。", "Contact details are masked; ask the owner organization to get in touch."),
    ("person.revealed_hint", "本次查看已记入审计记录。", "This view has been recorded in the audit trail."),
    ("person.affiliations", "任职", "Affiliations"),
    ("person.aff_org", "任职机构", "Organization"),
    ("person.aff_position", "职务", "Position"),
    ("person.until_now", "至今", "present"),
    ("person.owner", "登记单位", "Owner organization"),
    ("person.sharing", "共享范围", "Shared with"),
    ("person.legal_basis", "信息处理依据", "Legal basis"),
    ("person.basis", "依据", "Basis"),
    ("person.basis_on", "取得日期", "Date"),
    ("person.basis_scope", "使用范围", "Scope of use"),
    ("person.basis_scope_placeholder", "如：侨务联络与活动邀请", "e.g. liaison and invitations"),
    ("person.basis_source", "来源", "Source"),
    ("person.basis_source_placeholder", "如：本人签字的登记表", "e.g. a form the person signed"),
    ("person.notes", "备注", "Notes"),
    ("person.audit", "查看与修改记录", "Audit trail"),
    ("person.export", "导出本人信息", "Export (data request)"),
    ("person.erase", "应本人要求删除", "Erase on request"),
    ("person.erase_hint", "删除后姓名、联系方式、任职和备注将被清除，仅保留与活动、捐赠等记录的关联。此操作不可撤销。", "Name, contacts, affiliations and notes are removed; only the links to events, donations and other records remain. This cannot be undone."),
    ("person.erase_confirm", "已核实本人的删除请求", "I have checked the person's request"),
    ("person.erased", "该联络对象已应本人要求删除，仅保留关联记录。", "This person was erased on request; only the links remain."),
    ("person_category.overseas_leader", "海外侨领", "Overseas leader"),
    ("person_category.businessperson", "侨商", "Businessperson"),
    ("person_category.expert", "专家学者", "Expert"),
    ("person_category.returnee", "归侨", "Returnee"),
    ("person_category.relative", "侨眷", "Relative of overseas Chinese"),
    ("person_category.youth", "华裔青年", "Youth"),
    ("person_category.media", "媒体人士", "Media"),
    ("person_category.lawyer", "律师", "Lawyer"),
    ("person_category.official", "政府及机构人员", "Official"),
    ("sharing.own_org", "仅本单位（含上下级）", "Own organization (and those above and below)"),
    ("sharing.own_side", "本方侨联", "Own side"),
    ("sharing.all", "各方侨联共享", "All federations"),
    ("legal_basis.consent", "本人同意", "Consent"),
    ("legal_basis.contract", "履行合同所必需", "Contract"),
    ("legal_basis.legal_duty", "履行法定职责", "Legal duty"),
    ("legal_basis.public_interest", "公共利益（新闻报道等）", "Public interest"),
    ("legal_basis.published", "本人已公开的信息", "Published by the person"),
    ("gender.male", "男", "Male"),
    ("gender.female", "女", "Female"),
    ("gender.unknown", "未填", "Not given"),
    ("contact_kind.phone", "电话", "Phone"),
    ("contact_kind.email", "电子邮箱", "E-mail"),
    ("contact_kind.wechat", "微信", "WeChat"),
    ("contact_kind.address", "地址", "Address"),
    ("audit_action.view_contacts", "查看了完整联系方式", "viewed the contact details"),
    ("audit_action.export", "导出了本人信息", "exported the record"),
    ("audit_action.create", "登记", "recorded the person"),
    ("audit_action.update", "修改", "edited the record"),
    ("audit_action.erase", "应本人要求删除", "erased the person on request"),
    ("coverage.title", "联络覆盖国家和地区", "Country coverage"),
    ("coverage.hint", "有至少一位联络对象或一个海外侨团的国家和地区；点击地图或数字查看名录。", "Countries and regions with at least one person or association; click the map or a figure to see them."),
    ("coverage.covered", "已覆盖国家和地区", "Covered"),
    ("coverage.total", "全球国家和地区（不含中国）", "All countries and regions (China excluded)"),
    ("coverage.share", "覆盖率", "Share covered"),
    ("coverage.map", "联络覆盖世界地图", "World map of coverage"),
    ("coverage.map_note", "地图仅示意覆盖情况，不作为国界依据。", "The map shows coverage only; it is not an authority on borders."),
    ("coverage.people", "联络对象", "People"),
    ("coverage.list", "各国家和地区明细", "By country and region"),
    ("coverage.associations", "海外侨团", "Associations"),
    ("coverage.empty", "还没有覆盖任何国家和地区。", "No country covered yet."),
    ("coverage.more", "多", "more"),
    ("coverage.fewer", "少", "fewer"),
    ("err.bad_email", "电子邮箱格式不正确", "Not a valid e-mail address"),
    ("err.erased", "该联络对象已删除", "This person was erased"),
    ("err.likely_duplicate", "名录中可能已有此人，请核对", "This person may already be in the directory"),
    ("person.duplicates_title", "名录中可能已有此人", "This person may already be in the directory"),
    ("person.confirm_new", "已核对，确认不是同一人，仍然登记", "Checked: a different person, record anyway"),
    ("duplicate_reason.same_phone", "电话相同", "same phone"),
    ("duplicate_reason.same_email", "电子邮箱相同", "same e-mail"),
    ("duplicate_reason.same_name", "同名（含繁简写法）且居住国相同", "same name (simplified or traditional), same country"),
    ("duplicate_reason.romanized_name", "外文名与姓名拼音一致", "foreign name spells the pinyin"),
    ("audit_action.merge", "合并了重复记录", "merged a duplicate record"),
    ("audit_action.undo_merge", "撤销了合并", "undid a merge"),
    ("audit_action.sign_in", "登录成功", "signed in"),
    ("audit_action.sign_in_failed", "登录失败", "failed to sign in"),
    ("audit_action.token_create", "创建了 API 令牌", "created an API token"),
    ("audit_action.token_revoke", "吊销了 API 令牌", "revoked an API token"),
    ("audit_action.disable", "停用了账户", "disabled the account"),
    ("audit_action.enable", "启用了账户", "enabled the account"),
    ("err.unknown_person", "名录中没有这位联络对象，或您无权查看", "No such person in the directory, or not one you may see"),
    ("err.same_person", "不能与自己合并", "A person cannot be merged with themself"),
    ("err.merged", "该联络对象已合并到另一条记录", "This person was merged into another record"),
    ("err.already_undone", "这次合并已经撤销", "This merge was already undone"),
    ("err.edited_since", "合并后该联络对象又被修改过，不能撤销；如需拆分请手工处理", "The person was edited after the merge, so it cannot be undone; split them by hand"),
    ("err.cannot_undo", "这次合并的原始记录已删除，不能撤销", "The records kept for this merge were erased; it cannot be undone"),
    ("exchange.directory_people", "参加交流的名录人员", "People of the directory who took part"),
    ("person.picker", "名录中的联络对象", "Person in the directory"),
    ("person.picker_search", "输入姓名查找名录…", "Search the directory by name…"),
    ("person.picker_hint", "选择后，姓名和国家留空时自动填写", "When chosen, a blank name and country are filled in"),
    ("person.timeline", "经历", "History"),
    ("person.timeline_empty", "还没有与此人关联的活动、交流、捐赠、项目或人才记录。", "No events, exchanges, donations, projects or talents are linked to this person yet."),
    ("person.timeline_hint", "只显示您有权查看的记录。", "Only records you may see are shown."),
    ("timeline_kind.event", "参加活动", "Event attended"),
    ("timeline_kind.exchange", "交流互访", "Exchange"),
    ("timeline_kind.donation", "捐赠", "Donation"),
    ("timeline_kind.project", "签约项目", "Project"),
    ("timeline_kind.talent", "引进人才", "Talent"),
    ("person.duplicates", "可能重复的记录", "Possible duplicates"),
    ("person.merge", "合并", "Merge"),
    ("person.merge_title", "合并重复记录", "Merge duplicate records"),
    ("person.merge_hint", "保留左侧记录；逐项选择保留哪一方的值。联系方式、类别、标签和任职将合并去重；另一条记录关联的活动、捐赠、项目等都转到保留的记录上。合并可以在保留记录的页面上撤销。", "The record on the left stays; choose whose value to keep for each field. Contacts, categories, tags and affiliations are united without duplicates; everything linked to the other record moves to the one kept. The merge can be undone on the kept record's page."),
    ("person.merge_field", "字段", "Field"),
    ("person.merge_keep", "保留的记录", "Record kept"),
    ("person.merge_other", "被合并的记录", "Record merged"),
    ("person.merge_same", "两条记录的其余字段相同。", "The other fields are the same in both records."),
    ("person.merge_united", "合并后的联系方式、类别、标签和任职", "Contacts, categories, tags and affiliations after the merge"),
    ("person.merge_swap", "改为保留另一条", "Keep the other record instead"),
    ("person.merge_conflict", "其中一条记录刚被他人修改，下面已是最新内容，请核对后再合并。", "One of the records was just changed by someone else; below is the latest, check it and merge again."),
    ("person.merge_submit", "确认合并", "Merge"),
    ("person.merge_confirm", "确认将这两条记录合并？", "Merge these two records?"),
    ("person.merged_notice", "您打开的记录已合并到这里。", "The record you opened was merged into this one."),
    ("person.merges", "合并记录", "Merges"),
    ("person.merge_of", "合并了", "merged"),
    ("person.undo_merge", "撤销合并", "Undo merge"),
    ("person.undo_confirm", "撤销这次合并，恢复两条记录？", "Undo this merge and restore both records?"),
    ("person.undone", "已撤销", "undone"),
    // Importing people
    ("import.link", "从表格导入", "Import"),
    ("import.title", "从表格导入人员", "Import people from a spreadsheet"),
    ("import.template", "下载模板", "Download the template"),
    ("import.hint", "上传 Excel 表格或 CSV 文件，第一行为表头。上传后先预览：每一行按登记单个人员的规则检查，并提示可能重复的人员，确认后才导入。", "Upload an Excel workbook or a CSV file whose first row holds the headers. You first see a preview: each row is checked as when recording one person, likely duplicates are flagged, and nothing is stored until you confirm."),
    ("import.file", "表格文件", "Spreadsheet file"),
    ("import.file_hint", "支持 .xlsx（读取第一个工作表）、.xls 和 .csv（UTF-8 或 GBK 编码），不超过 2 MB、2000 行。", "An .xlsx (first sheet), .xls or .csv (UTF-8 or GBK), at most 2 MB and 2,000 rows."),
    ("import.columns", "可识别的表头：姓名（必填）、外文名、性别、居住国家、国籍、籍贯（区划代码）、类别（多个用“、”分隔）、电话、电子邮箱、微信、地址、任职单位、职务、标签、备注；其他列将被忽略。", "Recognised headers: name (required), foreign name, gender, residence country, nationality, origin (region code), category (several separated by commas), phone, e-mail, WeChat, address, organization, position, tags, notes; other columns are ignored."),
    ("import.for_every_row", "适用于文件中每一个人（个人信息的收集依据按批次记录）", "For every person in the file (the legal basis is recorded per collection)"),
    ("import.submit", "上传并预览", "Upload and preview"),
    ("import.preview", "导入预览", "Preview"),
    ("import.preview_hint", "已勾选可导入的行；可能重复的行默认不勾选，核实是不同的人后可勾选；有错误的行不能导入，请在表格中修改后重新上传。", "Rows that passed are ticked; likely duplicates are not, tick them once you have checked they are different people; rows with errors cannot be imported, correct them in the file and upload it again."),
    ("import.count_ok", "可导入 {n} 行", "{n} ready"),
    ("import.count_duplicate", "可能重复 {n} 行", "{n} likely duplicates"),
    ("import.count_invalid", "有错误 {n} 行", "{n} with errors"),
    ("import.pick", "导入", "Import"),
    ("import.pick_row", "导入第 {n} 行", "Import row {n}"),
    ("import.line", "行号", "Row"),
    ("import.status", "检查结果", "Check"),
    ("import.ok", "可导入", "Ready"),
    ("import.duplicate", "可能重复", "Likely duplicate"),
    ("import.duplicate_of", "可能与以下人员重复：", "Likely the same as:"),
    ("import.same_as_line", "本文件第 {n} 行", "row {n} of this file"),
    ("import.row", "该行", "Row"),
    ("import.row_of", "第 {n} 行", "row {n}"),
    ("import.ignored", "以下列未能识别，已忽略：", "These columns were not recognised and are ignored: "),
    ("import.confirm", "导入勾选的人员", "Import the ticked people"),
    ("import.nothing_stored", "本次未导入任何人。", " Nobody was imported."),
    ("import.done", "已导入 {n} 人", "{n} people imported"),
    ("import.another", "导入另一个文件", "Import another file"),
    ("import.to_list", "查看人员名录", "Go to the directory"),
    ("err.too_large", "文件不能超过 2 MB，请分成几个文件", "The file is over 2 MB; split it into several"),
    ("err.too_many_rows", "一次最多导入 2000 行，且内容不能超出第 5000 行；请分成几个文件，或删除表格末尾多余的行", "At most 2,000 rows at a time, none below row 5,000; split the file or delete the extra rows at its end"),
    ("err.too_many_columns", "表格最多 200 列；请删除右侧多余的列", "At most 200 columns; delete the extra columns on the right"),
    ("err.too_many_sheets", "工作簿的工作表过多（最多 100 个）；请只保留名单所在的工作表", "Too many sheets (at most 100); keep only the sheet with the list"),
    ("err.not_a_spreadsheet", "无法读取为表格，请上传 .xlsx 或 .csv 文件", "Not a readable spreadsheet; upload an .xlsx or .csv file"),
    ("err.empty", "表格中没有数据行", "The spreadsheet has no rows below its headers"),
    ("err.no_name_column", "找不到“姓名”列，请使用模板中的表头", "No name column; use the template's headers"),
    ("err.row_invalid", "勾选的行中有未通过检查的行。", "A ticked row did not pass the checks."),
    ("err.unknown_row", "勾选的行不在文件中。", "A ticked row is not in the file."),
    ("err.none_selected", "请至少勾选一行。", "Tick at least one row."),
    ("person.undone_notice", "合并已撤销，两条记录已恢复。", "The merge was undone; both records are restored."),
];

static INDEX: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| CATALOG.iter().map(|(k, zh, en)| (*k, (*zh, *en))).collect());

/// The message for `key`; an unknown key shows itself, which tests catch.
pub fn t(locale: Locale, key: &str) -> &'static str {
    match (INDEX.get(key), locale) {
        (Some((zh, _)), Locale::ZhCn) => zh,
        (Some((_, en)), Locale::En) => en,
        (None, _) => {
            tracing::error!(key, "missing catalog key");
            "?"
        }
    }
}

/// `t` with `{n}` replaced.
pub fn tn(locale: Locale, key: &str, n: impl std::fmt::Display) -> String {
    t(locale, key).replace("{n}", &n.to_string())
}

pub fn has(key: &str) -> bool {
    INDEX.contains_key(key)
}

/// `t` with named placeholders (`{d}`, `{p}` …) replaced.
pub fn tv(locale: Locale, key: &str, vars: &[(&str, String)]) -> String {
    vars.iter().fold(t(locale, key).to_owned(), |s, (k, v)| {
        s.replace(&format!("{{{k}}}"), v)
    })
}

/// The message for a field error.
pub fn field_message(locale: Locale, e: &qiaolian_core::FieldError) -> String {
    let key = format!("err.{}", e.code);
    match e.limit {
        Some(n) => tn(locale, &key, n),
        None => t(locale, &key).to_owned(),
    }
}

/// The best UI language for an `Accept-Language` header: English only when it comes
/// before any Chinese.
pub fn from_accept_language(header: &str) -> Option<Locale> {
    header.split(',').find_map(|part| {
        let tag = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if tag.starts_with("zh") {
            Some(Locale::ZhCn)
        } else if tag.starts_with("en") {
            Some(Locale::En)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_translated() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in CATALOG {
            assert!(seen.insert(k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "empty text for {k}");
        }
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        source_files(&root.join("templates"), &mut files);
        source_files(&root.join("src"), &mut files);
        assert!(files.len() > 20, "templates and sources were not found");
        let re_like = ["t(\"", "tn(\""];
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for pat in re_like {
                for (i, _) in text.match_indices(pat) {
                    // `format("` also ends in `t("`: only whole words count.
                    if text[..i]
                        .chars()
                        .last()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                    {
                        continue;
                    }
                    let rest = &text[i + pat.len()..];
                    let key = &rest[..rest.find('"').unwrap()];
                    if key.contains('{') || key.is_empty() || key.ends_with('.') {
                        continue;
                    }
                    assert!(has(key), "{}: unknown catalog key {key}", f.display());
                }
            }
        }
    }

    /// Rust sources and templates below `dir`.
    fn source_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                source_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
                out.push(p);
            }
        }
    }

    #[test]
    fn every_field_error_code_of_core_has_a_message() {
        let mut files = Vec::new();
        source_files(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../core/src")),
            &mut files,
        );
        for f in files {
            let text = std::fs::read_to_string(f).unwrap();
            for pat in ["FieldError::new(\"", ".add(\"", "Error::field(\""] {
                for (i, _) in text.match_indices(pat) {
                    let rest = &text[i + pat.len()..];
                    let mut parts = rest.split('"');
                    let first = parts.next().unwrap();
                    // `.add("field", "code")` and `Error::field("field", "code")` name the field first.
                    let code = if pat == "FieldError::new(\"" {
                        first
                    } else {
                        parts.nth(1).unwrap_or(first)
                    };
                    assert!(
                        has(&format!("err.{code}")),
                        "no message for error code {code}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_value_shown_through_a_label_prefix_has_a_message() {
        use qiaolian_core::{account, agreement, org, plan, supervision, task};
        let mut keys: Vec<String> = Vec::new();
        keys.extend(org::OrgKind::ALL.iter().map(|v| format!("kind.{v}")));
        keys.extend(org::OrgLevel::ALL.iter().map(|v| format!("level.{v}")));
        keys.extend(account::Role::ALL.iter().map(|v| format!("role.{v}")));
        keys.extend(account::Locale::ALL.iter().map(|v| format!("lang.{v}")));
        keys.extend(
            agreement::AgreementKind::ALL
                .iter()
                .map(|v| format!("agreement_kind.{v}")),
        );
        keys.extend(
            agreement::AgreementStatus::ALL
                .iter()
                .map(|v| format!("agreement_status.{v}")),
        );
        keys.extend(
            agreement::PartyRole::ALL
                .iter()
                .map(|v| format!("party_role.{v}")),
        );
        keys.extend(
            plan::PlanStatus::ALL
                .iter()
                .map(|v| format!("plan_status.{v}")),
        );
        keys.extend(
            supervision::Cadence::ALL
                .iter()
                .map(|v| format!("cadence.{v}")),
        );
        keys.extend(
            supervision::Colour::ALL
                .iter()
                .map(|v| format!("colour.{v}")),
        );
        keys.extend(supervision::Colour::ALL.iter().map(|v| format!("why.{v}")));
        keys.extend(task::TaskStatus::ALL.iter().map(|v| format!("status.{v}")));
        keys.extend(task::Step::ALL.iter().map(|v| format!("step.{v}")));
        keys.extend(task::Step::ALL.iter().map(|v| format!("event.{v}")));
        keys.extend(
            qiaolian_core::pairing::PairingLevel::ALL
                .iter()
                .map(|v| format!("pairing_level.{v}")),
        );
        keys.extend(
            qiaolian_core::pairing::PairingStatus::ALL
                .iter()
                .map(|v| format!("pairing_status.{v}")),
        );
        keys.extend(
            qiaolian_core::meeting::ResolutionStatus::ALL
                .iter()
                .map(|v| format!("resolution_status.{v}")),
        );
        keys.extend(
            qiaolian_core::project::ProjectStatus::ALL
                .iter()
                .map(|v| format!("project_status.{v}")),
        );
        keys.extend(
            qiaolian_core::project::LandingBy::ALL
                .iter()
                .map(|v| format!("landing_by.{v}")),
        );
        keys.extend(
            qiaolian_core::exchange::ExchangeKind::ALL
                .iter()
                .map(|v| format!("exchange_kind.{v}")),
        );
        keys.extend(
            qiaolian_core::talent::TalentLevel::ALL
                .iter()
                .map(|v| format!("talent_level.{v}")),
        );
        keys.extend(
            qiaolian_core::article::Language::ALL
                .iter()
                .map(|v| format!("language.{v}")),
        );
        keys.extend(
            qiaolian_core::donation::DonationStatus::ALL
                .iter()
                .map(|v| format!("donation_status.{v}")),
        );
        keys.extend(
            qiaolian_core::donation::DonationForm::ALL
                .iter()
                .map(|v| format!("donation_form.{v}")),
        );
        keys.extend(
            qiaolian_core::person::Category::ALL
                .iter()
                .map(|v| format!("person_category.{v}")),
        );
        keys.extend(
            qiaolian_core::person::Sharing::ALL
                .iter()
                .map(|v| format!("sharing.{v}")),
        );
        keys.extend(
            qiaolian_core::person::LegalBasis::ALL
                .iter()
                .map(|v| format!("legal_basis.{v}")),
        );
        keys.extend(
            qiaolian_core::person::Gender::ALL
                .iter()
                .map(|v| format!("gender.{v}")),
        );
        keys.extend(
            qiaolian_core::person::ContactKind::ALL
                .iter()
                .map(|v| format!("contact_kind.{v}")),
        );
        keys.extend(
            qiaolian_core::audit::AuditAction::ALL
                .iter()
                .map(|v| format!("audit_action.{v}")),
        );
        keys.extend(
            qiaolian_core::person::TimelineKind::ALL
                .iter()
                .map(|v| format!("timeline_kind.{v}")),
        );
        for k in [
            "event.created",
            "event.edited",
            "event.report",
            "event.comment",
            "event.carried_forward",
            "event.closed_by_revision",
        ] {
            keys.push(k.into());
        }
        for k in keys {
            assert!(has(&k), "no message for {k}");
        }
    }

    #[test]
    fn accept_language_prefers_the_first_known_language() {
        assert_eq!(
            from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"),
            Some(Locale::En)
        );
        assert_eq!(from_accept_language("zh-TW,en;q=0.5"), Some(Locale::ZhCn));
        assert_eq!(from_accept_language("fr"), None);
    }
}
