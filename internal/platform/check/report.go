package check

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"wuye/internal/platform/web"
)

// Listed is how many problems of one check the report lists; past it,
// it says how many more there are. A broken restore can have a million
// orphans, and the first few show what happened.
const Listed = 20

// Write prints the report as plain text: each check, its problems (the
// first Listed of them), and a last line with the counts.
//
//	[正常] 外键
//	[问题] 账单金额：2 处
//	    bills #12（小区 #3）：金额 ¥210.00，数量 × 单价 应为 ¥210.33
//	    ……
//	结果：发现 2 处问题（共 9 项检查）
func (r *Report) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "wuye 数据库检查（%s，%s）\n\n", r.Dialect, r.At.In(web.Shanghai).Format("2006-01-02 15:04"))
	for _, x := range r.Results {
		took := ""
		if x.Elapsed >= time.Second {
			took = fmt.Sprintf("（用时 %s）", x.Elapsed.Round(time.Second))
		}
		switch {
		case x.Err != nil:
			fmt.Fprintf(bw, "[未完成] %s：%v\n", x.Name, x.Err)
		case x.Skipped != "":
			fmt.Fprintf(bw, "[跳过] %s：%s\n", x.Name, x.Skipped)
		case len(x.Problems) == 0:
			fmt.Fprintf(bw, "[正常] %s%s\n", x.Name, took)
		default:
			fmt.Fprintf(bw, "[问题] %s：%d 处%s\n", x.Name, len(x.Problems), took)
		}
		for i, p := range x.Problems {
			if i == Listed {
				fmt.Fprintf(bw, "    …… 另有 %d 处未列出\n", len(x.Problems)-Listed)
				break
			}
			fmt.Fprintf(bw, "    %s\n", p)
		}
	}
	fmt.Fprintln(bw)
	n, failed := r.Problems(), r.Failed()
	switch {
	case n == 0 && failed == 0:
		fmt.Fprintf(bw, "结果：%d 项检查全部通过，未发现问题\n", len(r.Results))
	case failed == 0:
		fmt.Fprintf(bw, "结果：发现 %d 处问题（共 %d 项检查）\n", n, len(r.Results))
	default:
		fmt.Fprintf(bw, "结果：发现 %d 处问题，%d 项检查未能完成（共 %d 项检查）\n", n, failed, len(r.Results))
	}
	return bw.Flush()
}
