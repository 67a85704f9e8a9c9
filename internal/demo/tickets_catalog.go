package demo

import (
	"math/rand/v2"
	"strconv"

	"wuye/internal/ticket"
)

// What owners call the 客服中心 about: one entry per kind of matter, with
// the words the agent types, the department that handles it and what the
// department reports back.

// Where a matter is.
const (
	atHouse  = iota // in the requester's house
	atCommon        // a building's common parts: stairs, lifts, façade
	atGarage        // the car park
	atEstate        // grounds, gates, the whole estate
)

type tkItem struct {
	kind     string
	weight   int
	title    string
	descs    []string
	category string // complaint category (ticket.ComplaintCategories), or a repair's trade
	dept     string // department the work goes to
	urgent   int    // percent of these that are 急修/urgent
	where    int
	spot     string   // where in the building, for atCommon ("%d" is the floor)
	patrol   bool     // found on a patrol as often as reported
	res      []string // resolutions
	valid    string   // a complaint's reason when judged valid
	invalid  string   // … and when judged not valid
}

const (
	dEng  = "工程部"
	dEnv  = "环境部"
	dSec  = "秩序部"
	dServ = "客服部"
)

var tkItems = []*tkItem{
	// 报修
	{kind: ticket.KindRepair, weight: 14, title: "水管漏水", where: atHouse, dept: dEng, urgent: 30, category: "给排水",
		descs: []string{"厨房水槽下方水管接头漏水，地面有积水，已关闭进户总阀，请尽快上门维修。",
			"卫生间墙内水管疑似渗漏，墙面潮湿起皮，楼下业主反映天花板滴水。",
			"阳台洗衣机龙头接口漏水，水流不止。"},
		res: []string{"更换三通接头及密封圈，试压半小时无渗漏，地面已清理。", "开墙查漏，更换破裂 PPR 管段并恢复墙面，试水正常。",
			"更换洗衣机龙头及生料带密封，试水无渗漏。"}},
	{kind: ticket.KindRepair, weight: 8, title: "电梯故障", where: atCommon, spot: "电梯", dept: dEng, urgent: 60, patrol: true, category: "电梯",
		descs: []string{"电梯运行中有明显异响和抖动，业主担心安全。", "电梯停在 12 楼不动，按键无反应，暂无人被困。",
			"电梯门关闭不严，反复开关。"},
		res: []string{"通知电梯维保单位到场，更换门机皮带并调整门刀，试运行正常。", "维保单位检修控制柜，更换故障主板，电梯恢复运行。",
			"清理地坎异物，调整门机，开关门正常。"}},
	{kind: ticket.KindRepair, weight: 10, title: "楼道灯不亮", where: atCommon, spot: "%d楼楼道", dept: dEng, patrol: true, category: "公共照明",
		descs: []string{"楼道声控灯不亮，晚上上下楼很不方便，老人担心摔倒。", "楼梯间照明时亮时灭。"},
		res:   []string{"更换 LED 灯管及声控开关，测试正常。", "更换老化的感应开关，重新接线，照明恢复。"}},
	{kind: ticket.KindRepair, weight: 7, title: "门禁卡失效", where: atHouse, dept: dEng, category: "门禁对讲",
		descs: []string{"门禁卡刷卡无反应，单元门无法打开。", "新办的门禁卡只能开大门，开不了单元门。"},
		res:   []string{"门禁系统重新写卡授权，现场测试可正常开门。", "补录单元门禁权限，业主现场试刷正常。"}},
	{kind: ticket.KindRepair, weight: 9, title: "下水道堵塞", where: atHouse, dept: dEng, urgent: 35, category: "给排水",
		descs: []string{"卫生间地漏下水很慢，今天开始返水，有异味。", "厨房下水道堵塞，水槽积水排不下去。"},
		res:   []string{"使用疏通机疏通排水支管，清出毛发杂物，排水通畅。", "疏通厨房下水并清理存水弯油垢，已告知业主勿倒油脂。"}},
	{kind: ticket.KindRepair, weight: 5, title: "外墙渗水", where: atHouse, dept: dEng, category: "土建防水",
		descs: []string{"下雨后卧室外墙渗水，墙角发霉，壁纸起鼓。", "客厅窗台下方外墙渗水，雨天明显。"},
		res:   []string{"吊篮作业对外墙裂缝及窗框打胶防水处理，待雨天复查无渗漏。", "外墙涂刷防水涂料并更换窗框密封胶，已复查。"}},
	{kind: ticket.KindRepair, weight: 6, title: "家中突然停电", where: atHouse, dept: dEng, urgent: 50, category: "供配电",
		descs: []string{"家里突然停电，户内总闸合不上。", "厨房插座一用就跳闸。"},
		res:   []string{"检查户内线路，热水器漏电导致跳闸，建议业主联系厂家维修，已恢复其他回路供电。", "更换损坏的漏电保护开关，通电正常。"}},
	{kind: ticket.KindRepair, weight: 5, title: "家里没有水", where: atHouse, dept: dEng, urgent: 70, category: "给排水",
		descs: []string{"早上起来家里没有水，邻居家也没有。", "水压很低，楼上热水器打不着火。"},
		res:   []string{"二次供水泵房变频水泵故障，已更换并恢复供水，已在业主群通知。", "调整加压泵出口压力，高区水压恢复正常。"}},
	{kind: ticket.KindRepair, weight: 4, title: "入户门锁损坏", where: atHouse, dept: dEng, category: "门窗五金",
		descs: []string{"入户门锁舌卡住，门关不上，无法反锁。", "防盗门把手松动脱落。"},
		res:   []string{"更换锁芯及锁体，试用正常，旧锁芯已交业主。", "紧固把手并更换断裂的固定螺丝。"}},
	{kind: ticket.KindRepair, weight: 4, title: "楼上渗水至天花板", where: atHouse, dept: dEng, category: "土建防水",
		descs: []string{"卫生间天花板渗水，怀疑楼上防水层有问题。", "厨房吊顶有水渍并滴水。"},
		res:   []string{"协调楼上业主，查明卫生间防水层破损，已重做防水并闭水试验 48 小时无渗漏。", "楼上地暖分水器漏水，已通知楼上业主维修，渗水停止。"}},
	{kind: ticket.KindRepair, weight: 3, title: "可视对讲无法开门", where: atHouse, dept: dEng, category: "门禁对讲",
		descs: []string{"可视对讲有图像但按开门键没反应。", "对讲分机没有声音。"},
		res:   []string{"更换室内对讲分机，测试通话、开门正常。", "重新接线并调试，对讲恢复正常。"}},
	{kind: ticket.KindRepair, weight: 3, title: "烟感报警器误报", where: atCommon, spot: "%d楼消防前室", dept: dEng, patrol: true, urgent: 20, category: "消防",
		descs: []string{"楼道烟感报警器一直鸣响，没有烟。", "消防栓箱门损坏关不上。"},
		res:   []string{"清洁并更换故障烟感探头，联动测试正常。", "更换消防栓箱门铰链，箱内器材检查齐全。"}},
	{kind: ticket.KindRepair, weight: 3, title: "地库照明损坏", where: atGarage, dept: dEng, patrol: true, category: "公共照明",
		descs: []string{"地下车库一片区域灯不亮，停车很暗。", "车库坡道灯管闪烁。"},
		res:   []string{"更换损坏的灯管及镇流器 6 套，照明恢复。", "更换坡道 LED 灯管，检查线路无异常。"}},
	{kind: ticket.KindRepair, weight: 3, title: "马桶水箱漏水", where: atHouse, dept: dEng, category: "给排水",
		descs: []string{"马桶水箱一直流水，停不下来。", "马桶底座周围渗水。"},
		res:   []string{"更换水箱进水阀及排水阀密封件，试用正常。", "重新安装马桶法兰密封圈并打胶。"}},

	// 投诉
	{kind: ticket.KindComplaint, weight: 16, title: "噪音扰民", where: atHouse, dept: dServ, category: "噪音扰民",
		descs: []string{"楼上装修早上 7 点就开始电钻，严重影响休息，要求物业制止。", "楼上每天深夜拖动家具、跑跳，多次沟通无果。",
			"楼下商铺夜间音响声音太大。"},
		res: []string{"秩序部上门告知装修施工时间规定，装修方承诺 8:00–12:00、14:00–18:00 施工。", "客服上门协调双方，楼上业主同意铺设地垫并注意夜间作息。",
			"约谈商铺经营者，22 点后关闭外放音响，已回访确认。"},
		valid: "经核实装修施工时间违反《装修管理规定》，物业负有管理责任，投诉属实。", invalid: "系业主间生活噪音的邻里纠纷，非物业服务问题，已协助调解。"},
	{kind: ticket.KindComplaint, weight: 8, title: "宠物扰民", where: atHouse, dept: dServ, category: "邻里纠纷",
		descs: []string{"邻居家的狗夜间一直叫，影响睡眠。", "有人遛狗不牵绳，还不清理宠物粪便。"},
		res:   []string{"上门告知犬主文明养犬公约，犬主表示将加强管理。", "在主要步道增设文明养犬提示牌，秩序部加强巡查劝导。"},
		valid: "巡查发现未牵绳遛狗属实，物业文明养犬宣传和巡查不到位。", invalid: "属邻里间宠物饲养纠纷，物业已协助沟通，非物业服务责任。"},
	{kind: ticket.KindComplaint, weight: 12, title: "乱停车", where: atGarage, dept: dSec, category: "停车管理",
		descs: []string{"我的产权车位被他人车辆占用，联系不上车主。", "消防通道长期被私家车占用，存在安全隐患。",
			"外来车辆随意停放在小区道路上，堵住出入。"},
		res: []string{"秩序部联系占位车主移车，并在车位加装地锁提示。", "对占用消防通道车辆张贴告知单，增加夜间巡逻频次。",
			"门岗加强外来车辆登记，限时停放。"},
		valid: "车辆管理和巡查不到位导致车位被占用，投诉属实。", invalid: "涉事车位为业主私下租用的车位，属业主间纠纷，已协助联系。"},
	{kind: ticket.KindComplaint, weight: 12, title: "垃圾清运不及时", where: atCommon, spot: "楼下垃圾投放点", dept: dEnv, category: "环境卫生",
		descs: []string{"楼下垃圾桶满溢一整天没人清运，异味很大。", "楼道里的装修垃圾堆了好几天没人处理。"},
		res:   []string{"环境部当日清运并消毒垃圾桶，增加下午一次清运频次。", "清运楼道装修垃圾，并通知装修户按规定袋装堆放至指定点。"},
		valid: "经核实保洁未按排班清运，投诉属实，已对责任保洁员进行考核。", invalid: "系业主自行堆放的装修垃圾，已督促业主清理。"},
	{kind: ticket.KindComplaint, weight: 8, title: "保洁不到位", where: atCommon, spot: "电梯厅及楼道", dept: dEnv, category: "环境卫生",
		descs: []string{"电梯轿厢和楼道地面很脏，好几天没拖过。", "小区水景池发臭，漂着垃圾。"},
		res:   []string{"增加电梯轿厢每日两次保洁，主管每日抽查。", "清理水景池并投放除藻剂，每周换水一次。"},
		valid: "抽查发现保洁频次未达标准，投诉属实。", invalid: "当日为雨天临时积水造成，已及时清理。"},
	{kind: ticket.KindComplaint, weight: 8, title: "服务态度差", where: atEstate, dept: dServ, category: "服务态度",
		descs: []string{"门岗保安说话态度恶劣，不让快递员进入也不解释。", "前台客服接电话不耐烦，问题没说清楚就挂电话。"},
		res:   []string{"经调取监控核实，对当事保安进行批评教育和服务礼仪培训，并向业主致歉。", "对当班客服进行通报批评，客服经理致电业主致歉。"},
		valid: "经调取监控及通话录音，员工服务用语不规范，投诉属实。", invalid: "经核实员工按规定执行门岗管理，已向业主解释。"},
	{kind: ticket.KindComplaint, weight: 8, title: "维修质量差", where: atHouse, dept: dEng, category: "维修质量",
		descs: []string{"上周修过的水管又漏了，维修质量太差。", "换的灯管用了两天又不亮。"},
		res:   []string{"工程部主管带队重新维修，更换优质配件，免收材料费。", "更换合格配件并延长保修期三个月。"},
		valid: "经核实上次维修使用配件不合格，投诉属实。", invalid: "故障原因为业主自行改动线路，非维修质量问题。"},
	{kind: ticket.KindComplaint, weight: 5, title: "报修迟迟无人上门", where: atHouse, dept: dEng, category: "维修时效",
		descs: []string{"前天报修的下水道堵塞到现在还没人来。", "约好上午上门维修，等了一上午没人来也没通知。"},
		res:   []string{"工程部当日安排上门处理，客服经理致歉并跟进。", "调整维修派工流程，改约时间后按时上门完成维修。"},
		valid: "维修派工超时属实。", invalid: "业主预约时间家中无人，维修人员已两次上门。"},
	{kind: ticket.KindComplaint, weight: 6, title: "外来人员随意进出", where: atEstate, dept: dSec, category: "安全秩序",
		descs: []string{"门岗不登记，陌生人随意进出小区，担心安全。", "晚上有人在楼下聚集喝酒喧哗到凌晨。"},
		res:   []string{"门岗严格执行访客登记，增加夜间巡逻。", "秩序部夜间巡查劝离，并在该区域增加监控。"},
		valid: "门岗访客登记执行不严，投诉属实。", invalid: "经核实为业主亲友来访，已登记。"},
	{kind: ticket.KindComplaint, weight: 4, title: "绿化长期不修剪", where: atEstate, dept: dEnv, category: "绿化",
		descs: []string{"楼下绿化带长期不修剪，杂草丛生，蚊虫很多。", "树枝伸到阳台，遮挡采光。"},
		res:   []string{"修剪绿化带并喷洒灭蚊药物，纳入每月养护计划。", "修剪遮挡阳台的树枝。"},
		valid: "绿化养护未按计划执行，投诉属实。", invalid: "树木修剪需园林部门审批，已提交申请并告知业主。"},
	{kind: ticket.KindComplaint, weight: 4, title: "物业费账单有误", where: atHouse, dept: dServ, category: "收费问题",
		descs: []string{"物业费账单多收了公摊电费，要求解释。", "已预缴物业费仍收到催缴短信。"},
		res:   []string{"核对账单后更正公摊分摊，多收部分抵扣下期物业费。", "系统同步延迟导致误发短信，已致歉并更正。"},
		valid: "经核对账单计算有误，投诉属实。", invalid: "收费按业主大会决议标准执行，已向业主解释明细。"},

	// 咨询
	{kind: ticket.KindInquiry, weight: 18, title: "物业费咨询", where: atHouse, dept: dServ,
		descs: []string{"咨询今年物业费收费标准和缴费方式。", "咨询物业费能否按年缴纳，有没有优惠。"},
		res:   []string{"已告知物业费标准及缴费方式：前台现场、银行代扣或业主端在线缴纳。", "已告知可按年预缴，按业主大会决议无折扣。"}},
	{kind: ticket.KindInquiry, weight: 14, title: "装修手续咨询", where: atHouse, dept: dServ,
		descs: []string{"准备装修，咨询需要办理哪些手续。", "咨询装修押金多少，什么时候退还。"},
		res:   []string{"已告知需提供装修方案、施工单位资质及施工人员名单，办理装修许可证后方可施工。", "已告知装修押金标准，验收合格后 30 天内退还。"}},
	{kind: ticket.KindInquiry, weight: 10, title: "停车月卡办理", where: atHouse, dept: dServ,
		descs: []string{"咨询小区停车月卡怎么办理，多少钱一个月。", "新买了车，想登记车辆进出。"},
		res:   []string{"已告知月卡收费标准及办理所需材料（行驶证、房产证明）。", "已指引业主到前台登记车牌并开通道闸权限。"}},
	{kind: ticket.KindInquiry, weight: 8, title: "门禁卡补办", where: atHouse, dept: dServ,
		descs: []string{"门禁卡丢了，怎么补办？", "家里来了保姆，想多办一张门禁卡。"},
		res:   []string{"已告知携带身份证到前台补办，工本费 20 元。", "已告知业主本人携带身份证到前台登记办理。"}},
	{kind: ticket.KindInquiry, weight: 6, title: "房屋出租备案咨询", where: atHouse, dept: dServ,
		descs: []string{"房子要出租，咨询需要在物业登记什么。", "租客入住需要办理什么手续。"},
		res:   []string{"已告知出租需登记租户信息并签署安全责任书。", "已告知租户凭租赁合同和身份证到前台登记。"}},
	{kind: ticket.KindInquiry, weight: 5, title: "停水停电通知咨询", where: atHouse, dept: dServ,
		descs: []string{"听说明天要停水，咨询具体时间。", "咨询小区计划停电检修的时间。"},
		res:   []string{"已告知停水时间及原因，并提醒业主提前储水。", "已告知停电检修时间段。"}},

	// 建议
	{kind: ticket.KindSuggestion, weight: 6, title: "建议增设电动车充电桩", where: atEstate, dept: dServ,
		descs: []string{"电动车没地方充电，建议在车棚增设充电桩，杜绝飞线充电。"},
		res:   []string{"已纳入年度改造计划，提交业委会讨论，预计下季度在 2 号车棚安装。"}},
	{kind: ticket.KindSuggestion, weight: 4, title: "建议儿童游乐区加装遮阳棚", where: atEstate, dept: dServ,
		descs: []string{"夏天儿童游乐区太晒，建议加装遮阳棚。"},
		res:   []string{"已提交业委会，报价后将公示征求业主意见。"}},
	{kind: ticket.KindSuggestion, weight: 4, title: "建议增设快递柜", where: atEstate, dept: dServ,
		descs: []string{"快递经常放在门岗容易丢失，建议增设智能快递柜。"},
		res:   []string{"已联系快递柜运营商现场选址，下月安装。"}},
	{kind: ticket.KindSuggestion, weight: 3, title: "建议垃圾分类点加装洗手池", where: atEstate, dept: dEnv,
		descs: []string{"扔完厨余垃圾没地方洗手，建议在分类投放点加装洗手池。"},
		res:   []string{"环境部已在 3 个投放点加装洗手池。"}},
	{kind: ticket.KindSuggestion, weight: 3, title: "建议延长游泳池开放时间", where: atEstate, dept: dServ,
		descs: []string{"建议暑期游泳池开放到晚上十点。"},
		res:   []string{"已评估救生员排班，暑期开放时间延长至 21:30。"}},

	// 求助
	{kind: ticket.KindHelp, weight: 6, title: "钥匙反锁在家", where: atHouse, dept: dServ, urgent: 30,
		descs: []string{"钥匙反锁在家里，孩子在屋内，请帮忙联系开锁。"},
		res:   []string{"协助联系公安备案的开锁公司上门，核实身份后开锁。"}},
	{kind: ticket.KindHelp, weight: 4, title: "老人摔倒需要帮助", where: atHouse, dept: dSec, urgent: 100,
		descs: []string{"家中老人在卫生间摔倒起不来，家属不在家，请求帮助。"},
		res:   []string{"秩序部 5 分钟到场协助，拨打 120 并联系家属，老人已送医。"}},
	{kind: ticket.KindHelp, weight: 4, title: "被困电梯", where: atCommon, spot: "电梯", dept: dEng, urgent: 100,
		descs: []string{"电梯突然停住，有人被困在里面。"},
		res:   []string{"工程部 10 分钟到场盘车救援，被困人员安全撤离，维保单位随后检修。"}},
	{kind: ticket.KindHelp, weight: 4, title: "车辆电瓶亏电求助", where: atGarage, dept: dSec,
		descs: []string{"车在地下车库打不着火，请求帮忙搭电。"},
		res:   []string{"秩序部携带搭电线到场协助启动车辆。"}},
	{kind: ticket.KindHelp, weight: 3, title: "搬运大件家具借推车", where: atHouse, dept: dServ,
		descs: []string{"搬家需要借用平板推车和电梯保护。"},
		res:   []string{"已安排电梯加装保护板并借出推车。"}},

	// 表扬
	{kind: ticket.KindPraise, weight: 5, title: "表扬保安拾金不昧", where: atEstate, dept: dSec,
		descs: []string{"钱包掉在小区里，保安捡到后及时归还，钱物一分不少，特来表扬。"},
		res:   []string{"已在秩序部例会上通报表扬，并给予当事保安奖励。"}},
	{kind: ticket.KindPraise, weight: 4, title: "表扬维修师傅服务热情", where: atHouse, dept: dEng,
		descs: []string{"马师傅半夜上门修水管，干活利索还把地面清理干净，非常感谢。"},
		res:   []string{"已转达工程部并在月度评优中加分。"}},
	{kind: ticket.KindPraise, weight: 3, title: "表扬保洁阿姨认真负责", where: atCommon, spot: "楼道", dept: dEnv,
		descs: []string{"楼道保洁阿姨每天打扫得很干净，还帮老人提东西。"},
		res:   []string{"已转达环境部并通报表扬。"}},
	{kind: ticket.KindPraise, weight: 3, title: "表扬客服耐心解答", where: atHouse, dept: dServ,
		descs: []string{"前台客服耐心帮我办完装修手续，服务很好。"},
		res:   []string{"已在客服部晨会上通报表扬。"}},
}

// tkMajor are the 重大投诉 of the demo: serious, valid, reported in
// writing to the 中心主任.
var tkMajor = []*tkItem{
	{kind: ticket.KindComplaint, title: "电梯困人 40 分钟无人应答", where: atCommon, spot: "电梯", dept: dEng, category: "安全秩序", urgent: 100,
		descs: []string{"昨晚电梯停运，一家三口被困 40 分钟，按紧急呼叫无人应答，拨打 24 小时热线后才有人来救援，孩子受到惊吓，要求物业给出说法。"},
		res:   []string{"维保单位更换电梯五方通话主机，监控中心增加夜间值守人员；中心主任带队上门致歉并赠送慰问品。"},
		valid: "紧急呼叫系统故障未及时发现，夜间值守脱岗，属重大服务事故。"},
	{kind: ticket.KindComplaint, title: "地库水管爆裂导致车辆被淹", where: atGarage, dept: dEng, category: "设施设备", urgent: 100,
		descs: []string{"凌晨地下车库消防水管爆裂，多辆车被泡，物业处置迟缓，要求赔偿损失。"},
		res:   []string{"关闭阀门抢修管道并排水，联系保险公司定损理赔，对同批次管件全面排查更换。"},
		valid: "消防管网巡检不到位，管件老化未及时更换，造成业主财产损失。"},
}

const tkMajorReport = `一、事件经过：%s
二、处置情况：接报后客服部立即上报，工程部、秩序部到场处置，中心主任当日到场。
三、原因分析：设备巡检记录流于形式，夜间值守制度执行不到位。
四、整改措施：全面排查同类设施设备；修订夜间值守及应急响应流程；对相关责任人按制度考核。
五、业主沟通：已上门致歉，协商赔偿事宜，将持续跟进直至业主满意。`

// tkCancel are reasons a ticket is withdrawn.
var tkCancel = []string{"业主来电告知已自行修好，取消报修。", "重复登记，同一事项已有工单在处理。", "业主撤回，表示已与邻居协商解决。",
	"业主外出，要求取消，回来后再报。"}

// tkReopen are reasons a closed repair comes back.
var tkReopen = []string{"业主来电反映维修后问题再次出现。", "复查发现问题未彻底解决。", "业主反映雨后再次渗水。"}

// tkUnhappy are what an unsatisfied owner says at the 回访.
var tkUnhappy = []string{"问题没有彻底解决，还有渗漏。", "处理太慢，要求给个说法。", "维修人员没清理现场。", "只是口头答复，没有实际处理。"}

// tkHappy are what a satisfied owner says at the 回访, tkOK what one
// basically satisfied says.
var (
	tkHappy = []string{"业主表示问题已解决，很满意。", "业主表示处理及时，感谢。", "业主对处理结果认可。"}
	tkOK    = []string{"业主表示基本解决，希望以后更快一些。", "业主认可处理结果，但对等待时间有意见。", "业主表示还行，建议维修后清理干净现场。"}
)

// tkReplies are what the agent tells the requester first.
var tkReplies = map[string][]string{
	ticket.KindComplaint:  {"已致电业主致歉，说明处理安排，将于处理完成后回访。", "已向业主说明已派相关部门核实处理。"},
	ticket.KindInquiry:    {"已电话答复业主。", "已当面向业主解答。"},
	ticket.KindSuggestion: {"感谢业主建议，已转相关部门评估。"},
	ticket.KindPraise:     {"感谢业主的表扬和认可，已转达相关部门。"},
}

var tkByKind = func() map[string]*picker {
	w := map[string][]weighted{}
	for i, it := range tkItems {
		w[it.kind] = append(w[it.kind], weighted{v: strconv.Itoa(i), w: it.weight})
	}
	out := map[string]*picker{}
	for k, ws := range w {
		out[k] = newPicker(ws)
	}
	return out
}()

func tkPick(r *rand.Rand, kind string) *tkItem {
	i, _ := strconv.Atoi(tkByKind[kind].pick(r))
	return tkItems[i]
}

// TicketText returns a realistic ticket of kind (ticket.KindRepair, …):
// title, description, category and the department that handles it.
func TicketText(r *rand.Rand, kind string) (title, description, category, department string) {
	it := tkPick(r, kind)
	return it.title, pickOne(r, it.descs), it.category, it.dept
}
