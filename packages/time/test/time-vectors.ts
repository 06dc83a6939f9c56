/** The shape of `time.json` (reference vectors), as far as these suites read it. */
export interface TimeVectors {
  config_default: TimeConfigVector;
  config_low_bandwidth: TimeConfigVector;
  reality_window_tau_1000ms_hc_100ms_hp_50ms: ClassifyVector[];
  fresh_engine_classify_tau_0_hc_80ms_hp_40ms: ClassifyVector[];
  correction_weight_after_steps: WeightVector[];
  correction_weight_fresh: WeightVector[];
  state_clock: {
    description: string;
    rate_after_set_0_1: number;
    rate_after_set_3: number;
    sync_to_5000ms_us: number;
    sync_to_lower_keeps_us: number;
    values_us: number[];
  };
  peer_model_steps: {
    local: number;
    remote: number;
    offset: number;
    jitter_envelope: number;
  }[];
  engine_steps: {
    step: string;
    Hp_us: number;
    Hc_us: number;
    stability: number;
    tau_s_us?: number;
    net_jitter?: number;
    jitter?: number;
    loss_rate?: number;
    reorder_depth?: number;
  }[];
}

export interface TimeConfigVector {
  Hp_min_ms: number;
  Hp_max_ms: number;
  Hc_min_ms: number;
  Hc_max_ms: number;
  k1_jitter: number;
  k2_reorder: number;
  k3_loss: number;
  k4_jitter_correct: number;
  tick_interval_ms: number;
}

export interface ClassifyVector {
  t_us: number;
  position: string;
  contains?: boolean;
}

export interface WeightVector {
  Hc_us: number;
  delay_ms: number;
  weight: number;
}
